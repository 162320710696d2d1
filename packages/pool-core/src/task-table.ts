/**
 * The engine's table of tasks: a small index per task address (what `run` messages name) and how
 * long one batch of each task takes, which decides packing and prefetching (see dispatch.ts).
 */
import type { Batch } from './job.js';
import type { TaskAddress } from './protocol.js';
import { PREFETCH_MAX_MS } from './worker-slot.js';

export class TaskTable {
  readonly #index = new Map<string, number>();
  /** The same lookup by address object: a task's address is one object for all its calls (no string to build). */
  readonly #byAddress = new WeakMap<TaskAddress, number>();
  /** Measured time of one batch (moving average), per task index. */
  readonly #ms: number[] = [];
  /** Per task index: a worker saw it return a promise (so it leaves the thread free while it waits). */
  readonly #async: boolean[] = [];

  /** The index of a task address, allocated on first use. */
  indexOf(address: TaskAddress): number {
    const cached = this.#byAddress.get(address);
    if (cached !== undefined) return cached;
    const key = `${address.module}#${address.name}`;
    let index = this.#index.get(key);
    if (index === undefined) this.#index.set(key, (index = this.#index.size));
    this.#byAddress.set(address, index);
    return index;
  }

  /** Learns how long a batch of task `index` took. */
  timed(index: number, ms: number): void {
    const known = this.#ms[index];
    this.#ms[index] = known === undefined ? ms : 0.7 * known + 0.3 * ms;
  }

  /** A worker said task `index` returned a promise (the `async` message; see serve.ts). */
  markAsync(index: number): void {
    this.#async[index] = true;
  }

  /** Whether task `index` is known to return promises (a task never run is not). */
  readonly isAsync = (index: number): boolean => this.#async[index] === true;

  /** Whether a batch's task is measured to take under PREFETCH_MAX_MS (a task never run is not). */
  readonly isQuick = (batch: Batch): boolean => {
    if (batch.task < 0) batch.task = this.indexOf(batch.address);
    return (this.#ms[batch.task] ?? Infinity) < PREFETCH_MAX_MS;
  };
}
