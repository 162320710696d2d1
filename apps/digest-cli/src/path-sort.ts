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
