/** The engine's record of one worker, and the messages it sends to it. */
import type { EncodingError } from './errors.js';
import { HeldBatches } from './held-batches.js';
import type { Batch } from './job.js';
import type { TaskAddress, WireBatch } from './protocol.js';
import type { WorkerHandle } from './transport.js';
import { unsentArgumentsError } from './unsendable.js';

/** A worker whose batches take less than this (per task, measured) gets its next message before it is idle. */
export const PREFETCH_MAX_MS = 10;

/** Why the engine stopped a worker; `null` while it serves. */
export type Leaving = null | 'exit' | 'kill';

/** One worker as the engine sees it: what it holds, how it is doing, how to feed it. */
export class WorkerSlot {
  handle!: WorkerHandle;
  /** The initializer has run and the worker answered `ready`. */
  ready = false;
  /** Batches sent and not answered yet, in the order they were sent (see held-batches.ts). */
  readonly held: HeldBatches;
  /** Batches given to this worker in its life (for `maxTasksPerChild`). */
  assigned = 0;
  leaving: Leaving = null;
  readonly exited: Promise<void>;
  markExited!: () => void;
  /** Task table indexes this worker has been sent. */
  readonly #known = new Set<number>();
  /** Batches in the last message sent. */
  #lastSent = 0;
  /** When the worker started on the batches it holds (the last reply or send into an idle worker). */
  #busySince = 0;

  /**
   * @param concurrency `concurrentTasksPerWorker`: how many batches the worker may run at once
   *   (those whose task returns a promise; see serve.ts).
   * @param isAsync whether a task (by table index) is known to return promises (see TaskTable).
   */
  constructor(
    readonly id: number,
    readonly concurrency = 1,
    private readonly isAsync: (task: number) => boolean = () => false,
  ) {
    this.held = new HeldBatches(concurrency > 1);
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
  }

  /**
   * Whether to send this worker more work now. An idle worker always takes work. A worker running
   * batches whose task is known to be quick (`isQuick`: under {@link PREFETCH_MAX_MS}) also takes
   * its next message while it runs the current one, hiding the round trip. Behind a slow or unknown
   * task nothing is queued, so a long batch never strands another batch while other workers idle.
   *
   * With `concurrency` N > 1, a worker holding fewer than N batches also takes work while none
   * of them may block its thread: each held batch's task is known to return a promise (the
   * worker says so the first time one does: the `async` message), so the worker starts the new
   * batch at once, beside the ones that wait. A batch of a synchronous or not yet seen task
   * blocks this, so a slow synchronous task still never strands anything behind it.
   */
  wantsWork(isQuick: (batch: Batch) => boolean): boolean {
    if (!this.ready || this.leaving !== null) return false;
    if (this.held.length === 0) return true;
    if (this.held.length < this.concurrency && this.held.blocking === 0) return true;
    return this.held.length <= this.#lastSent && isQuick(this.held.peek()!) && isQuick(this.held.peekLast()!);
  }

  /** performance.now() since which the worker has worked on what it holds (for `pool.stats()`). */
  get busySince(): number {
    return this.#busySince;
  }

  /** Records that `count` batches were answered now; returns the time each took, on average. */
  answered(count: number): number {
    const now = performance.now();
    const perBatch = (now - this.#busySince) / count;
    this.#busySince = now;
    return perBatch;
  }

  /**
   * Sends batches in one `run` message. If the message cannot be encoded, sends them one by one
   * and returns the batches that cannot be sent, each with its EncodingError.
   */
  sendBatches(batches: Batch[], taskIndex: (address: TaskAddress) => number, nextId: () => number): Array<[Batch, EncodingError]> {
    if (this.#trySend(batches, taskIndex, nextId)) return [];
    const unsent: Array<[Batch, EncodingError]> = [];
    for (const batch of batches) {
      if (batches.length > 1 && this.#trySend([batch], taskIndex, nextId)) continue;
      unsent.push([batch, unsentArgumentsError(batch, this.handle)]);
    }
    return unsent;
  }

  #trySend(batches: Batch[], taskIndex: (address: TaskAddress) => number, nextId: () => number): boolean {
    const define: Array<{ index: number; address: TaskAddress }> = [];
    const wire: WireBatch[] = [];
    for (const batch of batches) {
      const index = batch.task >= 0 ? batch.task : taskIndex(batch.address);
      if (!this.#known.has(index) && !define.some((d) => d.index === index)) define.push({ index, address: batch.address });
      batch.id = nextId();
      batch.task = index;
      const entry: WireBatch = { id: batch.id, task: index, spread: batch.spread, items: batch.items };
      if (batch.as !== undefined) entry.as = batch.as;
      wire.push(entry);
    }
    try {
      this.handle.send({ type: 'run', define, batches: wire });
    } catch {
      return false;
    }
    for (const d of define) this.#known.add(d.index);
    if (this.held.length === 0) this.#busySince = performance.now();
    const multi = this.concurrency > 1;
    for (const batch of batches) this.held.push(batch, multi && !this.isAsync(batch.task));
    this.#lastSent = batches.length;
    this.assigned += batches.length;
    return true;
  }
}
