/**
 * The private engine behind every Pool: a FIFO queue of batches, the workers, the task table and
 * the lifecycle (RUN → CLOSE | TERMINATE). It talks to workers only through a {@link Transport}.
 * What goes to which worker, and when, is decided by the rules in dispatch.ts.
 */
import { AbortWatch } from './abort-watch.js';
import { nextMessage } from './dispatch.js';
import { AbortError, deserializeError, InitializerError, PoolStateError, WorkerCrashedError } from './errors.js';
import type { JobHost } from './imap-job.js';
import { countWorkers, IdleReaper, workersToStart } from './elastic-size.js';
import { describeStuck, JoinWaiter } from './join-waiter.js';
import type { Batch, Job } from './job.js';
import type { BatchReply, TaskAddress, WorkerMessage } from './protocol.js';
import type { ExitInfo, Transport, TransportHost } from './transport.js';
import { replyError } from './unsendable.js';
import { QueueRoom } from './queue-room.js';
import { TaskTable } from './task-table.js';
import { StatsCollector, type PoolStats } from './pool-stats.js';
import { TaskQueue } from './task-queue.js';
import { WorkerSlot, type Leaving } from './worker-slot.js';

/** The engine's settings, validated by the Pool facade. */
export interface EngineOptions {
  processes: number;
  initializer: TaskAddress | null;
  initargs: unknown[];
  maxTasksPerChild: number | null;
  /** Collect `pool.stats()` (the `stats` pool option). */
  stats: boolean;
  /** Workers kept while the pool may get work (elastic-size.ts); `processes` is the most. */
  minProcesses: number;
  /** A worker above `minProcesses` leaves after this long idle; null: never. */
  idleTimeoutMs: number | null;
  /** Most tasks waiting for a worker (queue-room.ts); null: unbounded. */
  maxQueue: number | null;
  /** Batches a worker may run at once when their task returns a promise (see serve.ts, worker-slot.ts). */
  concurrentTasksPerWorker: number;
}

/** Lifecycle of a pool: `run` takes work; `close` finishes what it has; `terminate` stopped everything. */
export type PoolState = 'run' | 'close' | 'terminate';

/** The WorkerCrashedErrors the engine made for a worker that exited (not ones a task threw). */
const workerLosses = new WeakSet<object>();

/** True for the error a call got because the worker holding it exited (see relay.ts). */
export function isWorkerLoss(error: unknown): error is WorkerCrashedError {
  return typeof error === 'object' && error !== null && workerLosses.has(error);
}

/** Workers that exit before they are ready this many times in a row mean the pool cannot start. */
const MAX_START_FAILURES = 3;

/** The private engine behind a Pool (see the file comment). */
export class Engine implements JobHost, TransportHost {
  state: PoolState = 'run';
  /** Set when the pool can never run a task (initializer failed, workers cannot start). */
  broken: Error | null = null;
  readonly #workers = new Set<WorkerSlot>();
  /** Counts tasks against `maxQueue`; null when the queue is unbounded. */
  readonly room: QueueRoom | null;
  readonly #queue: TaskQueue;
  readonly #reaper: IdleReaper | null;
  readonly #openJobs = new Set<Job>();
  readonly #tasks = new TaskTable();
  #nextWorkerId = 0;
  #nextBatchId = 0;
  #flushScheduled = false;
  #refd = false;
  #startFailures = 0;
  readonly #joins = new Set<JoinWaiter>();
  readonly #signals = new AbortWatch((jobs, error) => this.#abort(jobs, error));
  readonly #stats: StatsCollector | null;

  constructor(
    private readonly transport: Transport,
    private readonly options: EngineOptions,
  ) {
    this.room = options.maxQueue === null ? null : new QueueRoom(options.maxQueue);
    this.#queue = new TaskQueue(this.room);
    const { idleTimeoutMs, minProcesses, processes } = options;
    this.#reaper = idleTimeoutMs === null || minProcesses === processes ? null : new IdleReaper(idleTimeoutMs, (w) => this.#retireIdle(w));
    transport.bind?.(this);
    this.#stats = options.stats ? new StatsCollector() : null;
    for (let i = 0; i < options.minProcesses; i++) this.#spawn();
  }

  // ---- work in ------------------------------------------------------------------------------

  submit(batch: Batch): void {
    const refusal = this.broken ?? (this.state === 'terminate' ? terminated() : null);
    if (refusal) return batch.job.fail(batch, [], refusal);
    if (this.#signals.isAbortable(batch.job)) batch.solo = batch.job;
    this.#stats?.accepted(batch);
    this.#dropSettledHead();
    this.#queue.push(batch);
    if (this.#queue.length === 1 && !this.#flushScheduled) {
      // Into an empty queue: send now if a worker is free (lowest latency for a lone call).
      this.#flush();
      if (this.#queue.length < 1) return; // sent (TypeScript cannot see that #flush() shrinks the queue)
    }
    // Otherwise let the calls of this tick pile up, and send them together.
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /**
   * The job needs no more results. Its queued batches are dropped lazily (see dispatch.ts);
   * with `stopRunning`, the workers holding its batches are replaced.
   */
  cancel(job: Job, stopRunning: boolean): void {
    this.room?.forget(job);
    if (stopRunning) this.#stopWorkersOf(new Set([job]));
    this.#afterChange();
  }

  jobOpened(job: Job): void {
    this.#openJobs.add(job);
  }

  jobClosed(job: Job): void {
    if (this.#openJobs.delete(job)) this.#afterChange();
  }

  /**
   * Wires an AbortSignal to a job: queued work is dropped, the workers holding the job's work are
   * replaced. Returns the function that unwires it (call it once the job is over).
   */
  watchSignal(job: Job, signal: AbortSignal | undefined): () => void {
    return this.#signals.watch(job, signal);
  }

  /** The jobs' signal fired: they fail with its AbortError (one per signal, see AbortWatch). */
  #abort(jobs: Job[], error: AbortError): void {
    for (const job of jobs) {
      job.fail(null, [], error);
      this.room?.forget(job);
    }
    this.#stopWorkersOf(new Set(jobs));
    this.#afterChange();
  }

  /** Replaces every worker that holds a batch of `jobs` (by the dispatch rules, it holds nothing else). */
  #stopWorkersOf(jobs: Set<Job>): void {
    for (const w of this.#workers) {
      const solo = w.held.peek()?.solo;
      if (solo && jobs.has(solo)) this.#stop(w, 'kill');
    }
  }

  /** Lazily drops batches of settled jobs from the head of the queue: O(1) amortised per batch. */
  #dropSettledHead(): void {
    while (this.#queue.length > 0 && this.#queue.peek()!.job.settled) this.#queue.shift();
  }

  // ---- dispatch -----------------------------------------------------------------------------

  #flush(): void {
    this.#flushScheduled = false;
    // Idle workers first, then the ones that may prefetch.
    for (const w of this.#workers) if (w.held.length === 0 && w.wantsWork(this.#tasks.isQuick)) this.#feed(w);
    for (const w of this.#workers) {
      // A worker with room for several batches at once (concurrentTasksPerWorker) is fed until full.
      while (w.held.length > 0 && this.#queue.length > 0 && w.wantsWork(this.#tasks.isQuick)) {
        const before = w.assigned;
        this.#feed(w);
        if (w.assigned === before) break;
      }
    }
    // Work no worker could take: an elastic pool grows (a fixed one replaces workers in #stop/#onExit).
    if (this.#queue.length > 0 && this.options.minProcesses < this.options.processes) this.#replenish();
    this.#afterChange();
  }

  /** Sends `w` one message of queued batches (another if none of them could be encoded). */
  #feed(w: WorkerSlot): void {
    for (;;) {
      const batches = nextMessage(this.#queue, w, this.#tasks, this.options);
      if (batches.length === 0) return;
      const unsent = w.sendBatches(batches, (a) => this.#tasks.indexOf(a), () => ++this.#nextBatchId);
      this.#stats?.sent(batches, unsent);
      for (const [batch, error] of unsent) this.#failBatch(batch, [], error);
      if (unsent.length < batches.length) return;
    }
  }

  // ---- workers ------------------------------------------------------------------------------

  #spawn(): void {
    const w = new WorkerSlot(++this.#nextWorkerId, this.options.concurrentTasksPerWorker, this.#tasks.isAsync);
    this.#workers.add(w);
    try {
      w.handle = this.transport.spawn({ message: (m) => this.#onMessage(w, m), exit: (info) => this.#onExit(w, info) });
      if (!this.#refd) w.handle.unref();
      const { initializer, initargs, concurrentTasksPerWorker } = this.options;
      w.handle.send({ type: 'init', workerId: w.id, initializer, initargs, concurrentTasksPerWorker });
    } catch (error) {
      this.#workers.delete(w);
      this.#break(new WorkerCrashedError(`cannot start a ${this.transport.name} worker: ${(error as Error).message}`, { exitCode: null, signal: null, workerId: w.id }));
    }
    this.#stats?.resized(this.#workers.size);
  }

  #onMessage(w: WorkerSlot, msg: WorkerMessage): void {
    switch (msg.type) {
      case 'ready':
        w.ready = true;
        this.#startFailures = 0;
        break;
      case 'init-failed': {
        const cause = deserializeError(msg.error);
        return this.#break(new InitializerError(`the pool's initializer failed in worker ${w.id}: ${(cause as Error)?.message ?? String(cause)}`, { cause }));
      }
      case 'async':
        this.#tasks.markAsync(msg.task);
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
    if (quota !== null && w.leaving === null && w.assigned >= quota && w.held.length === 0) this.#stop(w, 'exit');
    this.#flush();
    if (w.held.length === 0 && w.leaving === null) this.#reaper?.idle(w);
  }

  #settle(w: WorkerSlot, reply: BatchReply, ms: number): void {
    // In send order, unless the worker runs several batches at once (see held-batches.ts).
    const batch = w.held.take(reply.id);
    if (batch === undefined) {
      // A worker being stopped may still answer what terminate() already failed: nothing to do.
      if (w.leaving !== null) return;
      process.emitWarning(`mpool: worker ${w.id} answered batch ${reply.id}, which it does not hold (or out of order); stopping it`, 'MpoolProtocolWarning');
      return this.#stop(w, 'kill'); // what it held fails as a crash
    }
    this.#tasks.timed(batch.task, ms);
    this.#stats?.answered(batch, reply, ms);
    if (batch.job.settled) return;
    try {
      if (batch.job.takeReply) batch.job.takeReply(batch, reply);
      else if (reply.type === 'done') batch.job.deliver(batch, reply.values);
      else this.#failBatch(batch, reply.values, replyError(batch, reply));
    } catch (bug) {
      // A job must not be able to desynchronise the engine; surface the bug instead.
      process.nextTick(() => {
        throw bug;
      });
    }
  }

  /** A failed map needs none of its other chunks: they are skipped when they reach the queue's head. */
  #failBatch(batch: Batch, values: unknown[], error: unknown): void {
    batch.job.fail(batch, values, error);
    if (batch.job.settled) this.room?.forget(batch.job);
  }

  /**
   * Stops a worker on purpose. `exit` asks it to leave once it is done (after its initializer, if
   * that still runs); `kill` ends it now. Nothing a stopped worker held is ever queued again:
   * re-running a task that may have started is worse than failing it (an aborted job's worker
   * holds only that job's work, which is settled, so failing it changes nothing).
   */
  #stop(w: WorkerSlot, why: Exclude<Leaving, null>): void {
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
    this.#replenish();
  }

  #onExit(w: WorkerSlot, info: ExitInfo): void {
    this.#workers.delete(w);
    this.#reaper?.forget(w);
    const held = w.held.drain();
    this.#stats?.exited(w, held, w.leaving === null, this.#workers.size);
    if (held.length > 0 || w.leaving === null) {
      const how = info.signal ? `was killed by ${info.signal}` : `exited with code ${info.exitCode}`;
      const error = new WorkerCrashedError(`worker ${w.id} ${how} while holding this task`, { ...info, workerId: w.id });
      if (info.error !== undefined) Object.defineProperty(error, 'cause', { value: info.error, configurable: true, writable: true });
      workerLosses.add(error);
      for (const batch of held) this.#failBatch(batch, [], error);
      if (!w.ready && w.leaving === null && ++this.#startFailures >= MAX_START_FAILURES) {
        const failure = new WorkerCrashedError(`${this.transport.name} workers exit during start-up (last: worker ${w.id} ${how})`, { ...info, workerId: w.id });
        if (info.error !== undefined) Object.defineProperty(failure, 'cause', { value: info.error, configurable: true, writable: true });
        this.#break(failure);
      }
    }
    w.markExited();
    this.#replenish();
    this.#flush();
  }

  /**
   * Keeps `minProcesses` serving workers while the pool may still get work, and starts more (up to
   * `processes`) for queued work that no worker can take (see elastic-size.ts).
   */
  #replenish(): void {
    if (this.broken || this.state === 'terminate' || (this.state === 'close' && !this.#hasWork())) return;
    this.#dropSettledHead();
    const now = { ...countWorkers(this.#workers), queued: this.#queue.length };
    for (let n = workersToStart(now, this.options.minProcesses, this.options.processes); n > 0; n--) this.#spawn();
  }

  /** `w`'s idle timer fired: it leaves if it is still idle and the pool keeps `minProcesses` without it. */
  #retireIdle(w: WorkerSlot): void {
    if (this.state === 'terminate' || w.leaving !== null || !w.ready || w.held.length > 0) return;
    if (countWorkers(this.#workers).serving > this.options.minProcesses) this.#stop(w, 'exit');
  }

  /** See {@link PoolStats}; null when the pool was created with `stats: false`. */
  stats(): PoolStats | null {
    return this.#stats?.snapshot(this.#workers, this.#queue.tasks) ?? null;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** After #dropSettledHead() the queue is empty or its head is live work. */
  #hasWork(): boolean {
    this.#dropSettledHead();
    if (this.#openJobs.size > 0 || this.#queue.length > 0) return true;
    for (const w of this.#workers) if (w.held.length > 0) return true;
    return false;
  }

  /** After any change: ref workers while work is pending, end workers once a closed pool drained. */
  #afterChange(): void {
    this.#dropSettledHead();
    let busy = this.#queue.length > 0;
    for (const w of this.#workers) busy ||= w.held.length > 0;
    if (busy !== this.#refd) {
      this.#refd = busy;
      for (const w of this.#workers) if (w.leaving === null) busy ? w.handle.ref() : w.handle.unref();
    }
    if (this.state === 'close' && !this.#hasWork()) {
      // Workers still starting are asked too: each finishes its initializer first (as in Python).
      for (const w of this.#workers) this.#stop(w, 'exit');
    }
    if (this.state !== 'run' && this.#workers.size === 0) for (const join of [...this.#joins]) join.done();
  }

  close(): void {
    if (this.state !== 'run') return;
    this.state = 'close';
    this.room?.close(new PoolStateError('room(): the pool was closed while waiting for room in its queue'));
    this.#afterChange();
  }

  /** Fails everything pending with `error` and kills every worker. */
  #failAll(error: Error): void {
    const jobs = new Set<Job>(this.#openJobs);
    for (const b of this.#queue.drain()) jobs.add(b.job);
    for (const w of this.#workers) for (const b of w.held.drain()) jobs.add(b.job);
    this.#openJobs.clear();
    for (const job of jobs) job.fail(null, [], error);
    // A copy: stopping a worker may start its replacement (failPending), which must not be stopped too.
    for (const w of [...this.#workers]) this.#stop(w, 'kill');
  }

  failPending(error: Error): void {
    if (this.state === 'terminate' || this.broken) return;
    this.#failAll(error);
    this.#afterChange();
  }

  #break(error: Error): void {
    if (this.broken) return;
    this.broken = error;
    this.#failAll(error);
  }

  terminate(): Promise<void> {
    if (this.state !== 'terminate') {
      this.state = 'terminate';
      this.room?.close(new PoolStateError('room(): the pool was terminated while waiting for room in its queue'));
      this.#failAll(terminated());
      this.#afterChange();
    }
    return Promise.all([...this.#workers].map((w) => w.exited)).then(() => undefined);
  }

  join(timeoutMs?: number): Promise<void> {
    if (this.state === 'run') return Promise.reject(new PoolStateError('join() needs close() or terminate() first'));
    return new Promise((resolve, reject) => {
      const waiter = new JoinWaiter(resolve, reject, timeoutMs, () => describeStuck([...this.#openJobs], this.#workers.size), (w) => this.#joins.delete(w));
      this.#joins.add(waiter);
      this.#afterChange();
    });
  }

  /**
   * Disposal (`await using`): jobs still reading input lazily stop reading it; what they already
   * submitted completes and stays readable, then their reader gets `error`.
   */
  stopInputs(error: Error): void {
    for (const job of [...this.#openJobs]) job.stopInput?.(error);
  }

}

function terminated(): PoolStateError {
  return new PoolStateError('the pool was terminated before this task finished');
}
