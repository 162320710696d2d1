/**
 * Paths and digests of a run (or of a manifest), compactly. A million files must fit in well
 * under 200 MiB with the workers and the runtime, so there is no object, string or Buffer per
 * file here:
 * - path bytes go into 1 MiB arena chunks (a V8 string would cost a 16-byte header, an array
 *   slot and rounding per path: ~56 MB for a million 30-byte paths, against ~31 MB here);
 * - each path is located by three 32-bit integers (chunk, offset, length);
 * - digests are 64 raw bytes each, in 1 MiB chunks of 16,384, so growing never copies (a
 *   doubling Buffer holds old + new, 96 MiB at a million files, while it grows).
 * Sorting is a multikey (three-way radix) quicksort over the arena bytes: bytewise order, with
 * no string built and each byte of a common prefix looked at O(1) times per level.
 */
import { DIGEST_BYTES } from './batch.js';
import type { BytePath, PackedPaths } from './paths.js';

const ARENA_CHUNK = 1 << 20;
const DIGEST_CHUNK_SHIFT = 14; // 16,384 digests = 1 MiB per chunk
const DIGEST_CHUNK = 1 << DIGEST_CHUNK_SHIFT;

/** A growable Uint32Array (doubling: the old copy is short-lived and 4 bytes per entry). */
class U32List {
  data = new Uint32Array(1024);
  push(at: number, value: number): void {
    if (at === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[at] = value;
  }
}

/** Paths (byte strings) with one SHA-512 each, added in any order and read back sorted. */
export class DigestStore {
  readonly #arena: Buffer[] = [];
  #arenaUsed = ARENA_CHUNK; // the first add opens a chunk
  readonly #chunkOf = new U32List();
  readonly #offsetOf = new U32List();
  readonly #lengthOf = new U32List();
  readonly #digests: Buffer[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds `path` with the digest `digests[offset, offset + 64)`. */
  add(path: BytePath, digests: Uint8Array, offset: number): void {
    this.#digestSlot().set(digests.subarray(offset, offset + DIGEST_BYTES), (this.#size & (DIGEST_CHUNK - 1)) * DIGEST_BYTES);
    this.#addPath(path);
  }

  /** Adds path `i` of a packed list (bytes copied, no string made). */
  addPacked(paths: PackedPaths, i: number, digests: Uint8Array, offset: number): void {
    this.#digestSlot().set(digests.subarray(offset, offset + DIGEST_BYTES), (this.#size & (DIGEST_CHUNK - 1)) * DIGEST_BYTES);
    const start = i === 0 ? 0 : paths.ends[i - 1]!;
    const end = paths.ends[i]!;
    const chunk = this.#reserve(end - start);
    // A byte loop: paths are short, and a subarray per path would be an object per file.
    const bytes = paths.bytes;
    for (let k = start, at = this.#arenaUsed; k < end; k++, at++) chunk[at] = bytes[k]!;
    this.#record(end - start);
  }

  /** Adds `path` with a digest given in hex (a manifest line). */
  addHex(path: BytePath, hex: string): void {
    this.#digestSlot().write(hex, (this.#size & (DIGEST_CHUNK - 1)) * DIGEST_BYTES, DIGEST_BYTES, 'hex');
    this.#addPath(path);
  }

  #digestSlot(): Buffer {
    const chunk = this.#size >>> DIGEST_CHUNK_SHIFT;
    if (chunk === this.#digests.length) this.#digests.push(Buffer.allocUnsafeSlow(DIGEST_CHUNK * DIGEST_BYTES));
    return this.#digests[chunk]!;
  }

  #addPath(path: BytePath): void {
    this.#reserve(path.length).write(path, this.#arenaUsed, path.length, 'latin1');
    this.#record(path.length);
  }

  /** The arena chunk where the next `length` bytes go (at `#arenaUsed`). */
  #reserve(length: number): Buffer {
    if (this.#arenaUsed + length > ARENA_CHUNK) {
      // A path longer than a chunk gets a chunk of its own; the next path opens a new one.
      this.#arena.push(Buffer.allocUnsafeSlow(Math.max(ARENA_CHUNK, length)));
      this.#arenaUsed = 0;
    }
    return this.#arena[this.#arena.length - 1]!;
  }

  /** Records the path just written at `#arenaUsed`, after its digest. */
  #record(length: number): void {
    const i = this.#size++;
    this.#chunkOf.push(i, this.#arena.length - 1);
    this.#offsetOf.push(i, this.#arenaUsed);
    this.#lengthOf.push(i, length);
    this.#arenaUsed = length > ARENA_CHUNK ? ARENA_CHUNK : this.#arenaUsed + length;
  }

  /** Path `i` as a byte string. */
  path(i: number): BytePath {
    const start = this.#offsetOf.data[i]!;
    return this.#arena[this.#chunkOf.data[i]!]!.toString('latin1', start, start + this.#lengthOf.data[i]!);
  }

  /** Digest `i` in lowercase hex. */
  hex(i: number): string {
    const at = (i & (DIGEST_CHUNK - 1)) * DIGEST_BYTES;
    return this.#digests[i >>> DIGEST_CHUNK_SHIFT]!.toString('hex', at, at + DIGEST_BYTES);
  }

  /** Bytewise comparison of digest `i` with digest `j` of `other` (which may be this store). */
  compareDigest(i: number, other: DigestStore, j: number): number {
    const a = this.#digests[i >>> DIGEST_CHUNK_SHIFT]!;
    const b = other.#digests[j >>> DIGEST_CHUNK_SHIFT]!;
    const at = (i & (DIGEST_CHUNK - 1)) * DIGEST_BYTES;
    const bt = (j & (DIGEST_CHUNK - 1)) * DIGEST_BYTES;
    return a.compare(b, bt, bt + DIGEST_BYTES, at, at + DIGEST_BYTES);
  }

  /** The first 4 bytes of digest `i` as a number: a cheap first sort key for digests. */
  digestPrefix(i: number): number {
    return this.#digests[i >>> DIGEST_CHUNK_SHIFT]!.readUInt32BE((i & (DIGEST_CHUNK - 1)) * DIGEST_BYTES);
  }

  /**
   * The same entries with each path replaced by `rename(path)`; the digests are shared, not
   * copied (this store must not be added to afterwards).
   */
  renamed(rename: (path: BytePath) => BytePath): DigestStore {
    const out = new DigestStore();
    out.#digests.push(...this.#digests);
    for (let i = 0; i < this.#size; i++) out.#addPath(rename(this.path(i)));
    return out;
  }

  /**
   * Indices in bytewise path order; equal paths (`digest-tree a a`) keep the order they were
   * added in, so the result is deterministic.
   */
  sorted(): Uint32Array {
    const order = new Uint32Array(this.#size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    multikeySort(order, this.#arena, this.#chunkOf.data, this.#offsetOf.data, this.#lengthOf.data);
    return order;
  }
}

const SMALL = 12;

/**
 * Bentley & Sedgewick's multikey quicksort: partition on the byte at `depth` into <, = and >;
 * only the = part goes one byte deeper. An explicit stack: paths can be thousands of bytes long.
 */
function multikeySort(order: Uint32Array, arena: Buffer[], chunkOf: Uint32Array, offsetOf: Uint32Array, lengthOf: Uint32Array): void {
  // -1 past the end: a path sorts before any longer path it is a prefix of.
  const byteAt = (i: number, depth: number): number => (depth < lengthOf[i]! ? arena[chunkOf[i]!]![offsetOf[i]! + depth]! : -1);
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
