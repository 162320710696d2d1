/**
 * The comparison behind --audit, on two DigestStores whose paths are canonical keys: both are
 * sorted by key and merged (O(n log n), no Map per file); then files only in the manifest and
 * files only in the tree are sorted by digest and merged again to pair moves.
 */
import type { BytePath } from './paths.js';
import type { DigestStore } from './store.js';

/** What changed between a manifest and the tree (keys, sorted bytewise within each list). */
export interface AuditReport {
  changed: BytePath[];
  missing: BytePath[];
  moved: Array<[from: BytePath, to: BytePath]>;
  added: BytePath[];
  unchanged: number;
}

/**
 * Compares `before` (the manifest) with `now` (the tree). A path only in the manifest counts
 * only if `inScope(key)` (not excluded, not under an unreadable directory, under a PATH).
 * A path listed twice on one side counts once (its first entry). Pure and deterministic.
 */
export function compareStores(before: DigestStore, now: DigestStore, inScope: (key: BytePath) => boolean): AuditReport {
  const report: AuditReport = { changed: [], missing: [], moved: [], added: [], unchanged: 0 };
  const a = before.sorted();
  const b = now.sorted();
  const gone: number[] = []; // indices into `before`, in key order
  const fresh: number[] = []; // indices into `now`, in key order
  // One string per entry, made when the merge reaches it.
  let i = 0;
  let j = 0;
  let pa = a.length > 0 ? before.path(a[0]!) : null;
  let pb = b.length > 0 ? now.path(b[0]!) : null;
  const nextA = () => {
    const last = pa;
    while (++i < a.length && (pa = before.path(a[i]!)) === last);
    if (i >= a.length) pa = null;
  };
  const nextB = () => {
    const last = pb;
    while (++j < b.length && (pb = now.path(b[j]!)) === last);
    if (j >= b.length) pb = null;
  };
  while (pa !== null || pb !== null) {
    if (pb === null || (pa !== null && pa < pb)) {
      if (inScope(pa!)) gone.push(a[i]!);
      nextA();
    } else if (pa === null || pb < pa) {
      fresh.push(b[j]!);
      nextB();
    } else {
      if (before.compareDigest(a[i]!, now, b[j]!) === 0) report.unchanged++;
      else report.changed.push(pa);
      nextA();
      nextB();
    }
  }
  pairMoves(before, gone, now, fresh, report);
  return report;
}

/**
 * Pairs each new path with the first (bytewise) vanished path of the same content: within one
 * digest, the k-th new path (in key order) takes the k-th vanished one.
 */
function pairMoves(before: DigestStore, gone: number[], now: DigestStore, fresh: number[], report: AuditReport): void {
  // Positions in key order, sorted by digest (then position): typed arrays, no Map per file.
  const byDigest = (store: DigestStore, list: number[]): Uint32Array => {
    const order = new Uint32Array(list.length);
    for (let k = 0; k < order.length; k++) order[k] = k;
    return order.sort((x, y) => store.digestPrefix(list[x]!) - store.digestPrefix(list[y]!) || store.compareDigest(list[x]!, store, list[y]!) || x - y);
  };
  const g = byDigest(before, gone);
  const f = byDigest(now, fresh);
  const movedFrom = new Int32Array(fresh.length).fill(-1); // fresh position -> gone position
  const moved = new Uint8Array(gone.length);
  for (let x = 0, y = 0; x < g.length && y < f.length; ) {
    const order = before.compareDigest(gone[g[x]!]!, now, fresh[f[y]!]!);
    if (order < 0) x++;
    else if (order > 0) y++;
    else {
      movedFrom[f[y]!] = g[x]!;
      moved[g[x]!] = 1;
      x++;
      y++;
    }
  }
  fresh.forEach((index, k) => {
    const from = movedFrom[k]!;
    if (from < 0) report.added.push(now.path(index));
    else report.moved.push([before.path(gone[from]!), now.path(index)]);
  });
  gone.forEach((index, k) => {
    if (moved[k] === 0) report.missing.push(before.path(index));
  });
}
