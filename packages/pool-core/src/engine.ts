/**
 * The private engine behind every Pool: a FIFO queue of batches, the task table and the lifecycle
 * (RUN → CLOSE | TERMINATE). It talks to workers only through a {@link Transport}. What goes to
 * which worker, and when, is decided by the rules in dispatch.ts; starting workers, settling their
 * replies, and replacing them is the job of its {@link WorkerCrew} (worker-crew.ts).
 */
import { AbortWatch } from './abort-watch.js';
import { nextMessage } from './dispatch.js';
import { AbortError, PoolStateError } from './errors.js';
import type { JobHost } from './imap-job.js';
import { describeStuck, JoinWaiter } from './join-waiter.js';
import type { Batch, Job } from './job.js';
import type { TaskAddress } from './protocol.js';
import type { Transport, TransportHost } from './transport.js';
import { QueueRoom } from './queue-room.js';
import { TaskTable } from './task-table.js';
import { StatsCollector, type PoolStats } from './pool-stats.js';
import { TaskQueue } from './task-queue.js';
import { WorkerCrew } from './worker-crew.js';
import type { WorkerSlot } from './worker-slot.js';

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

/** The private engine behind a Pool (see the file comment). */
export class Engine implements JobHost, TransportHost {
  state: PoolState = 'run';
  /** Set when the pool can never run a task (initializer failed, workers cannot start). */
  broken: Error | null = null;
  readonly #crew: WorkerCrew;
  /** The crew's set of workers, held here too so that dispatch reads it as a field of its own. */
  readonly #workers: ReadonlySet<WorkerSlot>;
  /** Counts tasks against `maxQueue`; null when the queue is unbounded. */
  readonly room: QueueRoom | null;
  readonly #queue: TaskQueue;
  readonly #openJobs = new Set<Job>();
  readonly #tasks = new TaskTable();
  #nextBatchId = 0;
  #flushScheduled = false;
  readonly #joins = new Set<JoinWaiter>();
  readonly #signals = new AbortWatch((jobs, error) => this.#abort(jobs, error));
  readonly #stats: StatsCollector | null;

  constructor(
    private readonly transport: Transport,
    private readonly options: EngineOptions,
  ) {
    this.room = options.maxQueue === null ? null : new QueueRoom(options.maxQueue);
    this.#queue = new TaskQueue(this.room);
    transport.bind?.(this);
    this.#stats = options.stats ? new StatsCollector() : null;
    this.#crew = new WorkerCrew(transport, options, this.#tasks, this.#stats, {
      dispatch: this.#flush,
      failBatch: this.#failBatch,
      break: (error) => this.#break(error),
      waiting: () => this.#waiting(),
      isTerminated: () => this.state === 'terminate',
    });
    this.#workers = this.#crew.workers;
    for (let i = 0; i < options.minProcesses; i++) this.#crew.spawn();
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
      queueMicrotask(this.#flush);
    }
  }

  /**
   * The job needs no more results. Its queued batches are dropped lazily (see dispatch.ts);
   * with `stopRunning`, the workers holding its batches are replaced.
   */
  cancel(job: Job, stopRunning: boolean): void {
    this.room?.forget(job);
    if (stopRunning) this.#crew.stopHolding(new Set([job]));
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
    this.#crew.stopHolding(new Set(jobs));
    this.#afterChange();
  }

  /** Lazily drops batches of settled jobs from the head of the queue: O(1) amortised per batch. */
  #dropSettledHead(): void {
    while (this.#queue.length > 0 && this.#queue.peek()!.job.settled) this.#queue.shift();
  }

  // ---- dispatch -----------------------------------------------------------------------------

  /** Hands queued work to the workers that want it. An arrow: the crew and queueMicrotask call it as is. */
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    // Idle workers first (the one idle most recently before the others: see WorkerCrew.lastIdle),
    // then the ones that may prefetch.
    const hot = this.#crew.lastIdle;
    if (hot !== null && hot.held.length === 0 && hot.wantsWork(this.#tasks.isQuick)) this.#feed(hot);
    for (const w of this.#workers) if (w.held.length === 0 && w.wantsWork(this.#tasks.isQuick)) this.#feed(w);
    for (const w of this.#workers) {
      // A worker with room for several batches at once (concurrentTasksPerWorker) is fed until full.
      while (w.held.length > 0 && this.#queue.length > 0 && w.wantsWork(this.#tasks.isQuick)) {
        const before = w.assigned;
        this.#feed(w);
        if (w.assigned === before) break;
      }
    }
    // Work no worker could take: an elastic pool grows (a fixed one replaces workers as they stop or exit).
    if (this.#queue.length > 0 && this.options.minProcesses < this.options.processes) this.#crew.replenish();
    this.#afterChange();
  };

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

  /**
   * A failed map needs none of its other chunks: they are skipped when they reach the queue's head.
   * An arrow: the crew calls it as is (see CrewHost.failBatch).
   */
  readonly #failBatch = (batch: Batch, values: unknown[], error: unknown): void => {
    batch.job.fail(batch, values, error);
    if (batch.job.settled) this.room?.forget(batch.job);
  };

  /** For the crew: live batches queued, or null when the pool will run no more work (see CrewHost.waiting). */
  #waiting(): number | null {
    if (this.broken || this.state === 'terminate' || (this.state === 'close' && !this.#hasWork())) return null;
    this.#dropSettledHead();
    return this.#queue.length;
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
    this.#crew.keepAlive(busy);
    if (this.state === 'close' && !this.#hasWork()) {
      // Workers still starting are asked too: each finishes its initializer first (as in Python).
      for (const w of this.#workers) this.#crew.stop(w, 'exit');
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
    for (const w of [...this.#workers]) this.#crew.stop(w, 'kill');
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
