/**
 * The cycle guard of a message walk (takeMoved in move.ts, ownViews in own-views.ts). A message
 * is mostly a few arrays and records (the batch, its items, their arguments), for which a Set of
 * visited objects costs more than the walk itself; so the first {@link UNGUARDED_VISITS} objects
 * go unrecorded. Past that, every object is recorded and walked at most once more, so a cyclic or
 * much-shared value still ends in O(size). Both walks are idempotent: walking an object twice
 * finds nothing new the second time.
 */
const UNGUARDED_VISITS = 64;

export class WalkGuard {
  #seen: Set<object> | null = null;
  #visits = 0;

  /** False if `value` must be skipped: it was already walked since recording began. */
  enter(value: object): boolean {
    if (this.#seen === null) {
      if (++this.#visits <= UNGUARDED_VISITS) return true;
      this.#seen = new Set();
    }
    if (this.#seen.has(value)) return false;
    this.#seen.add(value);
    return true;
  }
}
