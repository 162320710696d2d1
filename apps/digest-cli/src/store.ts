/**
 * Paths and digests of a run (or of a manifest), compactly. A million files must fit in well
 * under 200 MiB with the workers and the runtime, so there is no object, string or Buffer per
 * file here:
 * - a path is its directory prefix (`dir/`, kept once per directory) and its name, whose bytes
 *   go into 1 MiB arena chunks (a V8 string per path would cost a 16-byte header, an array slot
 *   and rounding: ~56 MB for a million 30-byte paths, against ~24 MB here);
 * - each path is three 32-bit integers: directory, start of the name, length of the name;
 * - digests are 64 raw bytes each, in 1 MiB chunks of 16,384, so growing never copies (a
 *   doubling Buffer holds old + new, 96 MiB at a million files, while it grows).
 * Sorting is by directory, then a multikey quicksort over the names' bytes (path-sort.ts):
 * bytewise order of the whole paths, with no string built per file.
 */
import { DIGEST_BYTES } from './batch.js';
import type { BytePath, PackedPaths } from './paths.js';
import { sortByDirectory } from './path-sort.js';
import type { DigestStoreLayout } from '@mpool/sha512-native';

const ARENA_SHIFT = 20;
const ARENA_CHUNK = 1 << ARENA_SHIFT;
/** Chunks a 32-bit start can address (4 GiB of names). */
const MAX_CHUNKS = 1 << (32 - ARENA_SHIFT);
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Byte b → its two hex digits as one 16-bit value, in memory order (little- or big-endian). */
const HEX_PAIRS = new Uint16Array(256);
{
  const pair = new Uint8Array(HEX_PAIRS.buffer);
  for (let b = 0; b < 256; b++) {
    pair[2 * b] = HEX_DIGITS[b >>> 4]!;
    pair[2 * b + 1] = HEX_DIGITS[b & 15]!;
  }
}
const HEX_SCRATCH = new Uint16Array(DIGEST_BYTES);
const HEX_SCRATCH_BYTES = new Uint8Array(HEX_SCRATCH.buffer);
const isSpecial = (c: number): boolean => c === 0x5c || c === 0x0a || c === 0x0d;
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
  /** Directory prefixes (`dir/`, '' for none), each once: most files share theirs. */
  readonly #dirs: BytePath[] = [];
  readonly #dirIds = new Map<BytePath, number>();
  /** Bytes of each directory prefix, and 1 if they need escaping (filled when output is written). */
  readonly #dirBytes: Array<Buffer | undefined> = [];
  readonly #dirSpecial: number[] = [];
  #lastDir = -1;
  readonly #arena: Buffer[] = [];
  #arenaUsed = ARENA_CHUNK; // the first add opens a chunk
  readonly #dirOf = new U32List();
  /** Where each name starts: chunk << ARENA_SHIFT | offset. */
  readonly #startOf = new U32List();
  readonly #lengthOf = new U32List();
  readonly #digests: Buffer[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds `path` with the digest `digests[offset, offset + 64)`. */
  add(path: BytePath, digests: Buffer, offset: number): void {
    digests.copy(this.#digestSlot(), (this.#size & (DIGEST_CHUNK - 1)) * DIGEST_BYTES, offset, offset + DIGEST_BYTES);
    this.#addPath(path);
  }

  /**
   * Adds paths `from` to `to` (exclusive) of a packed list, path `i` with the digest
   * `digests[64 i, 64 i + 64)`. The digests go in with one copy per 1 MiB chunk, not a loop per
   * file: most files of a run come through here, and a per-file loop runs in V8's slow tiers
   * for much of a short run (a third of a 100,000-file re-run with --cache went there).
   */
  addPackedRange(paths: PackedPaths, from: number, to: number, digests: Uint8Array): void {
    for (let i = from; i < to; ) {
      const slot = this.#digestSlot();
      const at = this.#size & (DIGEST_CHUNK - 1);
      const n = Math.min(to - i, DIGEST_CHUNK - at);
      slot.set(digests.subarray(i * DIGEST_BYTES, (i + n) * DIGEST_BYTES), at * DIGEST_BYTES);
      for (const end = i + n; i < end; i++) this.#addPackedPath(paths, i);
    }
  }

  /** Path `i` of a packed list, after its digest (bytes copied, no string unless its directory is new). */
  #addPackedPath(paths: PackedPaths, i: number): void {
    // Byte loops: names are short, and the native calls (Buffer#copy, #compare, a subarray per
    // name) cost more than the loops here, for their argument checks and objects (measured).
    const bytes = paths.bytes;
    const start = i === 0 ? 0 : paths.ends[i - 1]!;
    const end = paths.ends[i]!;
    let cut = end;
    while (cut > start && bytes[cut - 1] !== 0x2f) cut--;
    // Same directory as the last file (the usual case): compared in place, no string.
    const last = this.#lastDir >= 0 ? this.#dirs[this.#lastDir]! : null;
    let same = last !== null && last.length === cut - start;
    for (let k = 0; same && k < cut - start; k++) same = last!.charCodeAt(k) === bytes[start + k];
    const dir = same ? this.#lastDir : this.#dirId(Buffer.from(bytes.buffer, bytes.byteOffset + start, cut - start).toString('latin1'));
    const chunk = this.#reserve(end - cut);
    for (let k = cut, at = this.#arenaUsed; k < end; k++, at++) chunk[at] = bytes[k]!;
    this.#record(dir, end - cut);
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
    const cut = path.lastIndexOf('/') + 1;
    const last = this.#lastDir >= 0 ? this.#dirs[this.#lastDir]! : null;
    const dir = last !== null && last.length === cut && path.startsWith(last) ? this.#lastDir : this.#dirId(path.slice(0, cut));
    const length = path.length - cut;
    this.#reserve(length).write(path.slice(cut), this.#arenaUsed, length, 'latin1');
    this.#record(dir, length);
  }

  #dirId(prefix: BytePath): number {
    let id = this.#dirIds.get(prefix);
    if (id === undefined) {
      // A copy: a slice of a manifest line would keep the whole 64 KiB block it came from.
      const own = Buffer.from(prefix, 'latin1').toString('latin1');
      id = this.#dirs.push(own) - 1;
      this.#dirIds.set(own, id);
    }
    this.#lastDir = id;
    return id;
  }

  /** The arena chunk where the next `length` bytes go (at `#arenaUsed`). */
  #reserve(length: number): Buffer {
    // Walked names are at most 255 bytes and manifest lines at most MAX_LINE (1 MiB).
    if (length > ARENA_CHUNK) throw new RangeError(`a file name of ${length} bytes is too long to keep`);
    if (this.#arenaUsed + length > ARENA_CHUNK) {
      if (this.#arena.length === MAX_CHUNKS) throw new RangeError('more than 4 GiB of file names to keep');
      this.#arena.push(Buffer.allocUnsafeSlow(ARENA_CHUNK));
      this.#arenaUsed = 0;
    }
    return this.#arena[this.#arena.length - 1]!;
  }

  /** Records the name just written at `#arenaUsed`, after its digest. */
  #record(dir: number, length: number): void {
    const i = this.#size++;
    this.#dirOf.push(i, dir);
    this.#startOf.push(i, (((this.#arena.length - 1) << ARENA_SHIFT) | this.#arenaUsed) >>> 0);
    this.#lengthOf.push(i, length);
    this.#arenaUsed += length;
  }

  /** Path `i` as a byte string. */
  path(i: number): BytePath {
    const start = this.#startOf.data[i]!;
    const offset = start & (ARENA_CHUNK - 1);
    return this.#dirs[this.#dirOf.data[i]!]! + this.#arena[start >>> ARENA_SHIFT]!.toString('latin1', offset, offset + this.#lengthOf.data[i]!);
  }

  /** Length of path `i` in bytes. */
  pathLength(i: number): number {
    return this.#dirs[this.#dirOf.data[i]!]!.length + this.#lengthOf.data[i]!;
  }

  /** Copies the bytes of path `i` to `target[at..]`; true if it holds `\\`, `\n` or `\r` (it must then be escaped). */
  copyPath(i: number, target: Uint8Array, at: number): boolean {
    const dir = this.#dirOf.data[i]!;
    // Each directory's bytes and whether they need escaping, once per directory, not per file.
    let bytes = this.#dirBytes[dir];
    if (bytes === undefined) {
      bytes = this.#dirBytes[dir] = Buffer.from(this.#dirs[dir]!, 'latin1');
      this.#dirSpecial[dir] = bytes.some(isSpecial) ? 1 : 0;
    }
    let special = this.#dirSpecial[dir] === 1;
    for (let k = 0; k < bytes.length; k++) target[at++] = bytes[k]!;
    const start = this.#startOf.data[i]!;
    const chunk = this.#arena[start >>> ARENA_SHIFT]!;
    const from = start & (ARENA_CHUNK - 1);
    const end = from + this.#lengthOf.data[i]!;
    for (let k = from; k < end; k++) {
      const c = chunk[k]!;
      if (c === 0x5c || c === 0x0a || c === 0x0d) special = true;
      target[at++] = c;
    }
    return special;
  }

  /** Writes digest `i` as 128 lowercase hex digits at `target[at..]`. */
  copyHex(i: number, target: Uint8Array, at: number): void {
    const chunk = this.#digests[i >>> DIGEST_CHUNK_SHIFT]!;
    const start = (i & (DIGEST_CHUNK - 1)) * DIGEST_BYTES;
    // Two hex digits per store into an aligned scratch, then one copy: half the stores of a
    // digit-by-digit loop into `target` (which may sit at any offset).
    for (let k = 0; k < DIGEST_BYTES; k++) HEX_SCRATCH[k] = HEX_PAIRS[chunk[start + k]!]!;
    target.set(HEX_SCRATCH_BYTES, at);
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
   * copied, and so is everything when no path changes (the usual case: a manifest written from
   * here). This store must not be added to afterwards.
   */
  renamed(rename: (path: BytePath) => BytePath): DigestStore {
    let i = 0;
    let first: BytePath | null = null;
    for (; i < this.#size && first === null; i++) {
      const path = this.path(i);
      const key = rename(path);
      if (key !== path) first = key;
    }
    if (first === null) return this;
    const out = new DigestStore();
    out.#digests.push(...this.#digests);
    for (let k = 0; k < i - 1; k++) out.#addPath(this.path(k));
    out.#addPath(first);
    for (; i < this.#size; i++) out.#addPath(rename(this.path(i)));
    return out;
  }

  /**
   * The store's arrays as sha512-native's `writeDigestLines` reads them (its `DigestStoreLayout`):
   * the directory prefixes packed into one buffer (made here, once per output), the rest shared.
   */
  layout(): DigestStoreLayout {
    const dirs = Buffer.from(this.#dirs.join(''), 'latin1');
    const dirEnds = new Uint32Array(this.#dirs.length);
    for (let d = 0, end = 0; d < this.#dirs.length; d++) dirEnds[d] = end += this.#dirs[d]!.length;
    // Views of exactly the entries: past #size the arrays hold garbage, which the native side
    // must see as out of range rather than read.
    const n = this.#size;
    return { dirOf: this.#dirOf.data.subarray(0, n), startOf: this.#startOf.data.subarray(0, n), lengthOf: this.#lengthOf.data.subarray(0, n), arena: this.#arena, dirs, dirEnds, digests: this.#digests };
  }

  /**
   * Indices in bytewise path order; equal paths (`digest-tree a a`) keep the order they were
   * added in, so the result is deterministic.
   */
  sorted(): Uint32Array {
    const arena = this.#arena;
    const startOf = this.#startOf.data;
    const lengthOf = this.#lengthOf.data;
    // Byte `depth` of the name of path i, -1 past its end (a name sorts before any longer name
    // it is a prefix of); the directory prefixes are compared as strings (path-sort.ts).
    return sortByDirectory(this.#dirs, this.#dirOf.data, this.#size, (i, depth) => {
      if (depth >= lengthOf[i]!) return -1;
      const start = startOf[i]!;
      return arena[start >>> ARENA_SHIFT]![(start & (ARENA_CHUNK - 1)) + depth]!;
    });
  }
}
