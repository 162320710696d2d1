/** The scheduler's queue of batches, costliest first (plan.ts). */
import type { Batch } from './plan.js';
import { pathCount } from './paths.js';

/** A max-heap of batches by cost. */
export class BatchHeap {
  readonly #items: Batch[] = [];
  /** Files in all the batches. */
  files = 0;
  get size(): number {
    return this.#items.length;
  }
  /** The costliest batch, left in place. */
  peek(): Batch | undefined {
    return this.#items[0];
  }
  push(batch: Batch): void {
    const a = this.#items;
    this.files += pathCount(batch.paths);
    a.push(batch);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (a[up]!.cost >= a[i]!.cost) break;
      [a[up], a[i]] = [a[i]!, a[up]!];
      i = up;
    }
  }
  pop(): Batch | undefined {
    const a = this.#items;
    const top = a[0];
    if (top) this.files -= pathCount(top.paths);
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let big = i;
      if (l < a.length && a[l]!.cost > a[big]!.cost) big = l;
      if (r < a.length && a[r]!.cost > a[big]!.cost) big = r;
      if (big === i) break;
      [a[big], a[i]] = [a[i]!, a[big]!];
      i = big;
    }
    return top;
  }
}
