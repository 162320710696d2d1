/**
 * The batches one worker holds (sent, not answered yet), in the order they were sent.
 *
 * A worker that runs one batch at a time (`concurrentTasksPerWorker: 1`, the default) answers in
 * send order, so taking a reply is a look at the head: the fast path of one-task-per-call, with
 * no map to maintain. A worker that runs several at once answers its async batches as they
 * finish: then a map by wire id finds the batch in O(1), and the send-order deque keeps answered
 * entries as tombstones, dropped when they reach its head and compacted away when they outnumber
 * the live ones, so a task that never finishes cannot make the deque grow without bound.
 *
 * With several at once, it also counts the held batches that may block the worker's thread
 * (their task was not known to return a promise when they were sent; see WorkerSlot.wantsWork).
 */
import { Deque } from './deque.js';
import type { Batch } from './job.js';

export class HeldBatches {
  /** Send order; with `#byId`, answered batches stay here as tombstones until compacted. */
  #order = new Deque<Batch>();
  /** The live batches by wire id, when replies may come out of order; null otherwise. */
  readonly #byId: Map<number, Batch> | null;
  /** Live batches that may block the worker's thread (only kept with `#byId`). */
  readonly #blocking = new Set<Batch>();

  constructor(outOfOrder: boolean) {
    this.#byId = outOfOrder ? new Map() : null;
  }

  /** How many batches the worker holds. */
  get length(): number {
    return this.#byId === null ? this.#order.length : this.#byId.size;
  }

  /** Held batches whose task may block the worker's thread (0 unless replies may come out of order). */
  get blocking(): number {
    return this.#blocking.size;
  }

  /** @internal Entries kept in send order, answered ones (tombstones) included: bounded by 2 × length + 32. */
  get retained(): number {
    return this.#order.length;
  }

  push(batch: Batch, mayBlock = false): void {
    this.#order.push(batch);
    if (this.#byId === null) return;
    this.#byId.set(batch.id, batch);
    if (mayBlock) this.#blocking.add(batch);
  }

  /** The oldest batch held (answered ones never stay at the head). */
  peek(): Batch | undefined {
    return this.#order.peek();
  }

  /** The newest batch sent (with out-of-order replies it may be answered already: used only for its task). */
  peekLast(): Batch | undefined {
    return this.#order.peekLast();
  }

  /** Removes and returns the held batch with wire id `id`; undefined if it holds none (a protocol error). */
  take(id: number): Batch | undefined {
    const head = this.#order.peek();
    const byId = this.#byId;
    if (byId === null) {
      if (head === undefined || head.id !== id) return undefined;
      this.#order.shift();
      return head;
    }
    const batch = byId.get(id);
    if (batch === undefined) return undefined;
    byId.delete(id);
    this.#blocking.delete(batch);
    if (batch === head) {
      this.#order.shift();
      while (this.#order.length > 0 && !byId.has(this.#order.peek()!.id)) this.#order.shift();
    } else if (this.#order.length > 2 * byId.size + 32) {
      // Tombstones outnumber live batches: rebuild the order from the map (insertion = send order).
      this.#order = new Deque<Batch>();
      for (const live of byId.values()) this.#order.push(live);
    }
    return batch;
  }

  /** The worker said task `task` returns promises: its held batches leave the thread free while they wait. */
  unblock(task: number): void {
    for (const batch of this.#blocking) if (batch.task === task) this.#blocking.delete(batch);
  }

  /** The held batches, in send order (for `pool.stats()`: O(held)). */
  *[Symbol.iterator](): IterableIterator<Batch> {
    if (this.#byId === null) yield* this.#order;
    else yield* this.#byId.values();
  }

  /** Removes and returns every held batch, in send order. */
  drain(): Batch[] {
    const byId = this.#byId;
    const out = byId === null ? this.#order.drain() : [...byId.values()];
    if (byId !== null) {
      byId.clear();
      this.#blocking.clear();
      this.#order = new Deque<Batch>();
    }
    return out;
  }
}
