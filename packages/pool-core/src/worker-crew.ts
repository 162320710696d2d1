/**
 * The engine's workers: the side of the engine that faces them. Starting them, what they answer
 * (a reply settles its batch), stopping them, keeping enough of them (fixed or elastic size), and
 * what a worker's exit means for the work it held. engine.ts keeps the side that faces the
 * callers: the queue, which batch goes to which worker (dispatch.ts), and the pool's lifecycle.
 *
 * The split costs the per-task path (submit → send → reply → settle) nothing: a worker's message
 * goes straight to this crew's handler, as it went to the engine's; the engine iterates the
 * crew's `workers` set itself; and the two engine functions the crew calls per task (dispatch
 * after a reply, fail a batch) are the engine's own, passed in as they are, not wrapped.
 * Everything else the crew asks of the engine goes through the narrow {@link CrewHost}.
 */
import { countWorkers, IdleReaper, workersToStart } from './elastic-size.js';
import type { EngineOptions } from './engine.js';
import { deserializeError, InitializerError, WorkerCrashedError } from './errors.js';
import type { Batch, Job } from './job.js';
import type { StatsCollector } from './pool-stats.js';
import type { BatchReply, WorkerMessage } from './protocol.js';
import type { TaskTable } from './task-table.js';
import type { ExitInfo, Transport } from './transport.js';
import { replyError } from './unsendable.js';
import { WorkerSlot, type Leaving } from './worker-slot.js';

/** The WorkerCrashedErrors the crew made for a worker that exited (not ones a task threw). */
const workerLosses = new WeakSet<object>();

/** True for the error a call got because the worker holding it exited (see relay.ts). */
export function isWorkerLoss(error: unknown): error is WorkerCrashedError {
  return typeof error === 'object' && error !== null && workerLosses.has(error);
}

/** Workers that exit before they are ready this many times in a row mean the pool cannot start. */
const MAX_START_FAILURES = 3;

/** What the crew asks of the engine: all it needs to know of the queue, the jobs and the lifecycle. */
export interface CrewHost {
  /**
   * Hands queued work to the workers that want it (the engine's dispatch): after every message of
   * a worker, and after an exit. Called per reply, so the engine passes its own function.
   */
  readonly dispatch: () => void;
  /**
   * Fails a batch, and frees its call's room in the queue once the call settled: a batch its
   * worker answered with an error, or held when it exited (then `error` is a worker loss, see
   * isWorkerLoss). Called per failed task, so the engine passes its own function.
   */
  readonly failBatch: (batch: Batch, values: unknown[], error: unknown) => void;
  /** The pool can never run a task (the initializer failed, workers cannot start): fail everything. */
  break(error: Error): void;
  /**
   * Batches queued for a worker, or null when the pool will run no more work (broken, terminated,
   * or closed with nothing left): then no worker is started.
   */
  waiting(): number | null;
  /** terminate() was called: a worker due to leave for idleness is being killed anyway. */
  isTerminated(): boolean;
}

/** The part of the engine's settings the crew uses. */
type CrewOptions = Pick<
  EngineOptions,
  'processes' | 'minProcesses' | 'idleTimeoutMs' | 'initializer' | 'initargs' | 'maxTasksPerChild' | 'concurrentTasksPerWorker'
>;

/** The engine's workers (see the file comment). */
export class WorkerCrew {
  /** Every worker that has not exited yet, serving or leaving. The engine reads it directly. */
  readonly workers = new Set<WorkerSlot>();
  /**
   * The worker that most recently answered everything it held: dispatch offers it work first,
   * since it is the likeliest to be still awake (a worker thread looks for its next task a short
   * while before it sleeps, see idle-spin.ts), and the others may sleep longer.
   */
  lastIdle: WorkerSlot | null = null;
  /** Retires idle workers above `minProcesses`; null when none may leave (fixed size, or no timeout). */
  readonly #reaper: IdleReaper | null;
  #nextWorkerId = 0;
  #startFailures = 0;
  /** Serving workers keep the process alive (while the pool has work pending; see keepAlive). */
  #refd = false;

  /**
   * @param tasks the engine's task table: a reply times its task; a worker says which tasks return promises.
   * @param stats the engine's stats collector, told of every start, reply and exit; null without stats.
   */
  constructor(
    private readonly transport: Transport,
    private readonly options: CrewOptions,
    private readonly tasks: TaskTable,
    private readonly stats: StatsCollector | null,
    private readonly host: CrewHost,
  ) {
    const { idleTimeoutMs, minProcesses, processes } = options;
    this.#reaper = idleTimeoutMs === null || minProcesses === processes ? null : new IdleReaper(idleTimeoutMs, (w) => this.#retireIdle(w));
  }

  /** Starts one worker and sends it `init`; a worker that cannot be started breaks the pool. */
  spawn(): void {
    const w = new WorkerSlot(++this.#nextWorkerId, this.options.concurrentTasksPerWorker, this.tasks.isAsync);
    this.workers.add(w);
    try {
      w.handle = this.transport.spawn({ message: (m) => this.#onMessage(w, m), exit: (info) => this.#onExit(w, info) });
      if (!this.#refd) w.handle.unref();
      const { initializer, initargs, concurrentTasksPerWorker } = this.options;
      w.handle.send({ type: 'init', workerId: w.id, initializer, initargs, concurrentTasksPerWorker });
    } catch (error) {
      this.workers.delete(w);
      this.host.break(new WorkerCrashedError(`cannot start a ${this.transport.name} worker: ${(error as Error).message}`, { exitCode: null, signal: null, workerId: w.id }));
    }
    this.stats?.resized(this.workers.size);
  }

  #onMessage(w: WorkerSlot, msg: WorkerMessage): void {
    switch (msg.type) {
      case 'ready':
        w.ready = true;
        this.#startFailures = 0;
        break;
      case 'init-failed': {
        const cause = deserializeError(msg.error);
        return this.host.break(new InitializerError(`the pool's initializer failed in worker ${w.id}: ${(cause as Error)?.message ?? String(cause)}`, { cause }));
      }
      case 'async':
        this.tasks.markAsync(msg.task);
        w.held.unblock(msg.task);
        break;
      case 'replies': {
        const ms = w.answered(msg.replies.length);
        for (const reply of msg.replies) this.#settle(w, reply, ms);
        break;
      }
      default:
        this.#settle(w, msg, w.answered(1));
    }
    const quota = this.options.maxTasksPerChild;
    if (quota !== null && w.leaving === null && w.assigned >= quota && w.held.length === 0) this.stop(w, 'exit');
    if (w.held.length === 0 && w.leaving === null) this.lastIdle = w;
    this.host.dispatch();
    if (w.held.length === 0 && w.leaving === null) this.#reaper?.idle(w);
  }

  #settle(w: WorkerSlot, reply: BatchReply, ms: number): void {
    // In send order, unless the worker runs several batches at once (see held-batches.ts).
    const batch = w.held.take(reply.id);
    if (batch === undefined) {
      // A worker being stopped may still answer what terminate() already failed: nothing to do.
      if (w.leaving !== null) return;
      process.emitWarning(`mpool: worker ${w.id} answered batch ${reply.id}, which it does not hold (or out of order); stopping it`, 'MpoolProtocolWarning');
      return this.stop(w, 'kill'); // what it held fails as a crash
    }
    this.tasks.timed(batch.task, ms);
    this.stats?.answered(batch, reply, ms);
    if (batch.job.settled) return;
    try {
      if (batch.job.takeReply) batch.job.takeReply(batch, reply);
      else if (reply.type === 'done') batch.job.deliver(batch, reply.values);
      else this.host.failBatch(batch, reply.values, replyError(batch, reply));
    } catch (bug) {
      // A job must not be able to desynchronise the engine; surface the bug instead.
      process.nextTick(() => {
        throw bug;
      });
    }
  }

  /**
   * Stops a worker on purpose. `exit` asks it to leave once it is done (after its initializer, if
   * that still runs); `kill` ends it now. Nothing a stopped worker held is ever queued again:
   * re-running a task that may have started is worse than failing it (an aborted job's worker
   * holds only that job's work, which is settled, so failing it changes nothing).
   */
  stop(w: WorkerSlot, why: Exclude<Leaving, null>): void {
    if (w.leaving !== null) return;
    w.leaving = why;
    // A leaving worker keeps the process alive until it is gone: join() must not be left unsettled.
    w.handle.ref();
    if (why === 'exit') {
      try {
        w.handle.send({ type: 'exit' });
      } catch {
        void w.handle.kill();
      }
    } else void w.handle.kill();
    this.replenish();
  }

  /** Replaces every worker that holds a batch of `jobs` (by the dispatch rules, it holds nothing else). */
  stopHolding(jobs: Set<Job>): void {
    for (const w of this.workers) {
      const solo = w.held.peek()?.solo;
      if (solo && jobs.has(solo)) this.stop(w, 'kill');
    }
  }

  /** Serving workers keep the process alive while `busy` (work is pending), and let it exit otherwise. */
  keepAlive(busy: boolean): void {
    if (busy === this.#refd) return;
    this.#refd = busy;
    for (const w of this.workers) if (w.leaving === null) busy ? w.handle.ref() : w.handle.unref();
  }

  /**
   * Keeps `minProcesses` serving workers while the pool may still get work, and starts more (up to
   * `processes`) for queued work that no worker can take (see elastic-size.ts).
   */
  replenish(): void {
    const queued = this.host.waiting();
    if (queued === null) return;
    const now = { ...countWorkers(this.workers), queued };
    for (let n = workersToStart(now, this.options.minProcesses, this.options.processes); n > 0; n--) this.spawn();
  }

  /** `w`'s idle timer fired: it leaves if it is still idle and the pool keeps `minProcesses` without it. */
  #retireIdle(w: WorkerSlot): void {
    if (this.host.isTerminated() || w.leaving !== null || !w.ready || w.held.length > 0) return;
    if (countWorkers(this.workers).serving > this.options.minProcesses) this.stop(w, 'exit');
  }

  #onExit(w: WorkerSlot, info: ExitInfo): void {
    this.workers.delete(w);
    if (this.lastIdle === w) this.lastIdle = null;
    this.#reaper?.forget(w);
    const held = w.held.drain();
    this.stats?.exited(w, held, w.leaving === null, this.workers.size);
    if (held.length > 0 || w.leaving === null) {
      const how = info.signal ? `was killed by ${info.signal}` : `exited with code ${info.exitCode}`;
      const error = new WorkerCrashedError(`worker ${w.id} ${how} while holding this task`, { ...info, workerId: w.id });
      if (info.error !== undefined) Object.defineProperty(error, 'cause', { value: info.error, configurable: true, writable: true });
      workerLosses.add(error);
      for (const batch of held) this.host.failBatch(batch, [], error);
      if (!w.ready && w.leaving === null && ++this.#startFailures >= MAX_START_FAILURES) {
        const failure = new WorkerCrashedError(`${this.transport.name} workers exit during start-up (last: worker ${w.id} ${how})`, { ...info, workerId: w.id });
        if (info.error !== undefined) Object.defineProperty(failure, 'cause', { value: info.error, configurable: true, writable: true });
        this.host.break(failure);
      }
    }
    w.markExited();
    this.replenish();
    this.host.dispatch();
  }
}
