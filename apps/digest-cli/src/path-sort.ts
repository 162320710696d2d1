/**
 * Sorting paths bytewise without building them: Bentley & Sedgewick's multikey (three-way radix)
 * quicksort, given only "byte d of path i". Each byte of a prefix shared by many paths is looked
 * at once per partition level, not once per comparison, which matters for a million paths that
 * share `photos/2024/` and the like.
 */

const SMALL = 12;

/**
 * Bentley & Sedgewick's multikey quicksort: partition on the byte at `depth` into <, = and >;
 * only the = part goes one byte deeper. An explicit stack: paths can be thousands of bytes long.
 */
export function multikeySort(order: Uint32Array, byteAt: (i: number, depth: number) => number): void {
  const swap = (a: number, b: number) => {
    const t = order[a]!;
    order[a] = order[b]!;
    order[b] = t;
  };
  const stack: number[] = [0, order.length, 0];
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    if (hi - lo < 2) continue;
    if (hi - lo <= SMALL) {
      insertionSort(order, lo, hi, depth, byteAt);
      continue;
    }
    const pivot = medianOf3(byteAt(order[lo]!, depth), byteAt(order[(lo + hi) >>> 1]!, depth), byteAt(order[hi - 1]!, depth));
    let lt = lo;
    let gt = hi - 1;
    for (let k = lo; k <= gt; ) {
      const c = byteAt(order[k]!, depth);
      if (c < pivot) swap(lt++, k++);
      else if (c > pivot) swap(k, gt--);
      else k++;
    }
    stack.push(lo, lt, depth, gt + 1, hi, depth);
    // Equal up to their end: identical paths, in the order they were added.
    if (pivot === -1) order.subarray(lt, gt + 1).sort();
    else stack.push(lt, gt + 1, depth + 1);
  }
}

function medianOf3(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}

function insertionSort(order: Uint32Array, lo: number, hi: number, depth: number, byteAt: (i: number, d: number) => number): void {
  const less = (a: number, b: number): boolean => {
    for (let d = depth; ; d++) {
      const x = byteAt(a, d);
      const y = byteAt(b, d);
      if (x !== y) return x < y;
      if (x === -1) return a < b;
    }
  };
  for (let k = lo + 1; k < hi; k++) {
    const v = order[k]!;
    let j = k;
    for (; j > lo && less(v, order[j - 1]!); j--) order[j] = order[j - 1]!;
    order[j] = v;
  }
}

/**
 * Indices of the paths `dirs[dirOf[i]] + name i` (i < `count`) in bytewise order of the whole
 * path, where each directory prefix ends in `/` (or is '') and no name holds a `/`; `dirs` are
 * distinct. Cheaper than {@link multikeySort} over whole paths: a shared directory prefix is
 * compared once per directory, not once per file at every byte of it (200,000 files under
 * `/tmp/…/dirNNN/` spent most of the sort there). Files are bucketed by directory (stable),
 * each bucket is sorted by name, and the buckets are merged in directory order, where a
 * directory's own files go between its subdirectories: file `a/b` < `a/b/…` < `a/b0`, so name
 * `n` comes before subdirectory `c/` exactly when `n` < `c/` bytewise.
 * Equal paths keep the order they were added in (as {@link multikeySort}).
 */
export function sortByDirectory(dirs: readonly string[], dirOf: Uint32Array, count: number, nameByteAt: (i: number, depth: number) => number): Uint32Array {
  const starts = new Uint32Array(dirs.length + 1);
  for (let i = 0; i < count; i++) starts[dirOf[i]! + 1]!++;
  for (let d = 0; d < dirs.length; d++) starts[d + 1]! += starts[d]!;
  const buckets = new Uint32Array(count);
  const fill = starts.slice(0, dirs.length);
  for (let i = 0; i < count; i++) buckets[fill[dirOf[i]!]!++] = i;
  // A bucket usually arrives sorted: Node lists a directory in strcmp order (libuv's scandir),
  // and one worker hashes its files in that order. Checking costs one comparison per file.
  for (let d = 0; d < dirs.length; d++) {
    const bucket = buckets.subarray(starts[d]!, starts[d + 1]!);
    if (!inOrder(bucket, nameByteAt)) multikeySort(bucket, nameByteAt);
  }
  const byPath = Array.from(dirs.keys()).sort((a, b) => (dirs[a]! < dirs[b]! ? -1 : 1));
  const order = new Uint32Array(count);
  let at = 0;
  // The name of file `i` is less than `key` from `from` on (never equal: a name holds no `/`).
  const nameBefore = (i: number, key: string, from: number): boolean => {
    for (let d = 0; ; d++) {
      const c = nameByteAt(i, d);
      if (c === -1) return true;
      if (from + d === key.length) return false;
      const k = key.charCodeAt(from + d);
      if (c !== k) return c < k;
    }
  };
  // A frame emits everything under `prefix`: `byPath[lo, hi)` are the directories that start
  // with it, and `buckets[f, end)` the files right in it (when it is one of `dirs`). A stack, not
  // recursion: a manifest's path can have 100,000s of components.
  type Frame = { prefix: string; lo: number; hi: number; f: number; end: number };
  const frame = (prefix: string, lo: number, hi: number): Frame => {
    const own = lo < hi && dirs[byPath[lo]!] === prefix ? byPath[lo++]! : -1;
    return { prefix, lo, hi, f: own < 0 ? 0 : starts[own]!, end: own < 0 ? 0 : starts[own + 1]! };
  };
  const stack = [frame('', 0, dirs.length)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.lo === top.hi) {
      while (top.f < top.end) order[at++] = buckets[top.f++]!;
      stack.pop();
      continue;
    }
    // The next subdirectory group: the directories under `prefix` + its next component + `/`.
    const first = dirs[byPath[top.lo]!]!;
    const cut = first.indexOf('/', top.prefix.length) + 1;
    const key = first.slice(0, cut);
    let next = top.lo + 1;
    while (next < top.hi && dirs[byPath[next]!]!.startsWith(key)) next++;
    while (top.f < top.end && nameBefore(buckets[top.f]!, key, top.prefix.length)) order[at++] = buckets[top.f++]!;
    // The group's frame starts at the longest directory prefix all its members share: nothing
    // lies at the levels in between (one deep directory is one frame, not one per component).
    const last = dirs[byPath[next - 1]!]!;
    let same = cut;
    while (same < first.length && same < last.length && first.charCodeAt(same) === last.charCodeAt(same)) same++;
    stack.push(frame(first.slice(0, first.lastIndexOf('/', same - 1) + 1), top.lo, next));
    top.lo = next;
  }
  return order;
}

/** True if `order` is already sorted (equal keys in increasing index order, as the sorts leave them). */
function inOrder(order: Uint32Array, byteAt: (i: number, depth: number) => number): boolean {
  for (let k = 1; k < order.length; k++) {
    const a = order[k - 1]!;
    const b = order[k]!;
    for (let d = 0; ; d++) {
      const x = byteAt(a, d);
      const y = byteAt(b, d);
      if (x < y) break;
      if (x > y || (x === -1 && a > b)) return false;
      if (x === -1) break;
    }
  }
  return true;
}
