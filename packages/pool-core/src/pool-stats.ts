/**
 * `pool.stats()`: what a pool has done and is doing, for a server's metrics. The engine calls the
 * collector at a few points (a batch accepted, sent, answered; a worker started or gone); the hot
 * path costs a few counter increments, one `performance.now()` per batch (when it is queued) and
 * one per message sent; the reply's time is the one the engine takes anyway (WorkerSlot.answered).
 * Everything else is computed when stats() is called: O(window + workers).
 *
 * Counts are of tasks (items), never of batches: an `apply` is one task, a `map` of 1,000 items
 * is 1,000, however they were chunked. Every task accepted is, at any moment, in exactly one of
 * `queued`, `running`, `completed`, `failed`, `cancelled`.
 */
import type { Batch } from './job.js';
import type { BatchReply } from './protocol.js';

/** How many recent samples `runTime` and `waitTime` summarise (one sample per batch); a power of 2. */
export const STATS_WINDOW = 1024;

/** A summary of recent durations, in milliseconds. All fields are 0 while `count` is 0. */
export interface TimeSummary {
  /** Samples summarised: the last {@link STATS_WINDOW} batches (fewer early on). */
  count: number;
  mean: number;
  /** Percentiles by nearest rank over the window. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * What {@link Pool.stats} returns: a fresh plain object each call (changing it changes nothing).
 * Fields, all about this pool since it was created:
 */
export interface PoolStats {
  /** Workers alive: starting, serving, or stopping but not yet exited. */
  workers: number;
  /** Workers holding work (a batch sent and not answered). */
  busy: number;
  /** `workers - busy`: includes workers still starting (they cannot take work yet). */
  idle: number;
  /**
   * Tasks waiting in the pool's queue, not yet sent to a worker. The tasks of a call that already
   * failed or was aborted leave the queue when they reach its head (never searched for, so that
   * failing costs O(1)): until then they are counted here, then as `cancelled`.
   */
  queued: number;
  /** Tasks sent to a worker and not answered yet (including ones a worker took ahead, to run next). */
  running: number;
  /** Tasks that returned a value (including ones whose call no longer needed it). */
  completed: number;
  /**
   * Tasks that ended in an error of their own: the task threw, its arguments or result could not be
   * sent, or the worker running it crashed. In a failing map chunk the items before the failing
   * one count as `completed`, the failing one as `failed`, and the items after it, which never
   * ran, as `cancelled`.
   */
  failed: number;
  /**
   * Tasks accepted that will never run or whose run was cut short for a reason outside them: their
   * call failed or was aborted, the pool was terminated or broke (initializer failure), or an
   * earlier item of their chunk threw. (`queued + running + completed + failed + cancelled` is
   * every task the pool accepted.)
   */
  cancelled: number;
  /** Workers lost: exited or killed without the pool asking (crashes, also during start-up). */
  crashed: number;
  /**
   * Busy time ÷ worker time since the pool was created, from 0 to 1. Busy time: the time workers
   * held work (running batches included, so far). Worker time: the integral of the number of live
   * workers (as `workers`) over time, so a pool whose size changes is weighed by how many workers
   * it had when; starting workers count as idle.
   */
  utilization: number;
  /**
   * Time per task, from the worker starting a batch (its previous reply, or the send to an idle
   * worker) to the batch's reply, divided by the batch's tasks: one sample per batch, so a map
   * chunk of 100 tasks is one sample of its mean. Batches answered in one message share their
   * average.
   */
  runTime: TimeSummary;
  /** Time a batch waited in the pool's queue: from the call (submission) to its send to a worker; one sample per batch. */
  waitTime: TimeSummary;
}

/** A worker as the collector reads it. */
export interface StatsWorker {
  /** The batches it holds. */
  readonly held: { readonly length: number } & Iterable<Batch>;
  /** performance.now() since which the worker has been busy (meaningful while it holds work). */
  readonly busySince: number;
}

/** The last {@link STATS_WINDOW} durations, in a ring: O(1) per sample. */
class TimeWindow {
  readonly #ring = new Float64Array(STATS_WINDOW);
  #written = 0;

  add(ms: number): void {
    this.#ring[this.#written++ & (STATS_WINDOW - 1)] = ms;
  }

  summary(): TimeSummary {
    const count = Math.min(this.#written, STATS_WINDOW);
    if (count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const sorted = this.#ring.slice(0, count).sort();
    let sum = 0;
    for (const ms of sorted) sum += ms;
    const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * count) - 1)]!;
    return { count, mean: sum / count, p50: rank(50), p90: rank(90), p99: rank(99), max: sorted[count - 1]! };
  }
}

/** Tasks in a batch. */
const tasksOf = (batch: Batch): number => batch.items.length;

/** The engine's collector behind `pool.stats()` (see the file comment). */
export class StatsCollector {
  #accepted = 0;
  #completed = 0;
  #failed = 0;
  #crashed = 0;
  /** Busy time of answered batches and of workers gone while holding work. */
  #busyMs = 0;
  /** Integral of the worker count up to #resizedAt, and the count since then. */
  #workerMs = 0;
  #workers = 0;
  #resizedAt = performance.now();
  readonly #runTime = new TimeWindow();
  readonly #waitTime = new TimeWindow();

  /** `batch` entered the queue. */
  accepted(batch: Batch): void {
    this.#accepted += tasksOf(batch);
    batch.queuedAt = performance.now();
  }

  /** `batches` left the queue in one message; `unsent` of them could not be encoded (and fail). */
  sent(batches: Batch[], unsent: ReadonlyArray<readonly [Batch, unknown]>): void {
    const now = performance.now();
    if (unsent.length === 0) {
      for (const batch of batches) this.#waitTime.add(now - batch.queuedAt);
      return;
    }
    const failed = new Set(unsent.map(([batch]) => batch)); // rare: a value that cannot be sent
    for (const batch of batches) {
      if (failed.has(batch)) this.#failed += tasksOf(batch);
      else this.#waitTime.add(now - batch.queuedAt);
    }
  }

  /** A worker answered `batch`; `ms` is how long it worked on it (WorkerSlot.answered). */
  answered(batch: Batch, reply: BatchReply, ms: number): void {
    this.#busyMs += ms;
    this.#runTime.add(ms / Math.max(1, tasksOf(batch)));
    this.#completed += reply.values.length;
    if (reply.type === 'failed') this.#failed++;
  }

  /** The pool now has `workers` workers (one started or failed to start). */
  resized(workers: number): void {
    const now = performance.now();
    this.#workerMs += this.#workers * (now - this.#resizedAt);
    this.#resizedAt = now;
    this.#workers = workers;
  }

  /**
   * Worker `w` exited, holding `held`; `crashed`: the pool did not ask it to. What a crashed worker
   * held failed; what a worker stopped on purpose held (an aborted call's work) is cancelled.
   */
  exited(w: StatsWorker, held: Batch[], crashed: boolean, workers: number): void {
    if (held.length > 0) this.#busyMs += performance.now() - w.busySince;
    if (crashed) {
      this.#crashed++;
      for (const batch of held) this.#failed += tasksOf(batch);
    }
    this.resized(workers);
  }

  /** The figures now; `queued` is the engine's count of tasks in its queue. */
  snapshot(workers: Iterable<StatsWorker>, queued: number): PoolStats {
    const now = performance.now();
    let alive = 0;
    let busy = 0;
    let running = 0;
    let busyMs = this.#busyMs;
    for (const w of workers) {
      alive++;
      if (w.held.length === 0) continue;
      busy++;
      busyMs += now - w.busySince;
      for (const batch of w.held) running += tasksOf(batch);
    }
    const workerMs = this.#workerMs + this.#workers * (now - this.#resizedAt);
    const settled = this.#completed + this.#failed;
    return {
      workers: alive,
      busy,
      idle: alive - busy,
      queued,
      running,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#accepted - queued - running - settled,
      crashed: this.#crashed,
      utilization: workerMs > 0 ? Math.min(1, busyMs / workerMs) : 0,
      runTime: this.#runTime.summary(),
      waitTime: this.#waitTime.summary(),
    };
  }
}
