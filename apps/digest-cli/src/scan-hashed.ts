/**
 * The digests a `list` item (scan.ts) gathers: files hashed in chunks of hashBatch (listDir's
 * files), files reused from the cache, and the packed parts of native directory scans
 * (dir-scan.ts), put together into one packed result for the main thread.
 */
import { DIGEST_BYTES, type HashFailure, type HasherName } from './batch.js';
import { META_BYTES } from './cache-format.js';
import { nowMs } from './clock.js';
import type { ScannedPart } from './dir-scan.js';
import { hashBatch } from './hasher.js';
import { fsPath, packPaths, type BytePath, type PackedPaths } from './paths.js';
import type { ScanResult } from './scan.js';

/**
 * Files at least this big are not hashed in place: sized by the listing, or deferred by the
 * hasher (one open + fstat, no read), they are handed back to be hashed in groups of similar size.
 */
export const IN_PLACE_MAX = 1 << 20;

/** Aimed duration of one native hashing call, from the rate measured on the previous one. */
export const CHUNK_MS = 4;
const MAX_CHUNK = 256;

/** Digests hashed in place, and the rate measured so far (seconds per file). */
export class Hashed {
  paths: BytePath[] = [];
  failures: HashFailure[] = [];
  bytes = 0;
  reused = 0;
  #parts: Uint8Array[] = [];
  readonly #packed: ScannedPart[] = [];
  readonly #handed: Array<{ paths: PackedPaths; meta: Uint8Array }> = [];
  // A first guess (16 files per chunk); big files are deferred, so no chunk can take long.
  #msPerFile = CHUNK_MS / 16;

  /**
   * Hashes `paths` (of `sizes`, 0 when unknown) in chunks sized from the measured rate; files of
   * IN_PLACE_MAX or more go to `big` instead. Returns the leftovers, grouped, with their bytes.
   */
  hashAll(
    paths: BytePath[],
    sizes: number[],
    hasher: HasherName,
    overdue: () => boolean,
    big: ScanResult['sized'],
    beforeChunk: (done: number) => void = () => {},
  ): { groups: PackedPaths[]; bytes: number[] } {
    let done = 0;
    while (done < paths.length) {
      beforeChunk(done);
      if (overdue()) {
        const size = this.#chunkSize();
        const rest = groups(sizes.slice(done), size).map((g) => g.reduce((sum, n) => sum + n, 0));
        return { groups: groups(paths.slice(done), size).map(packPaths), bytes: rest };
      }
      const end = done + this.#chunkSize();
      const chunk = paths.slice(done, end);
      const chunkSizes = sizes.slice(done, end);
      const t0 = nowMs();
      const result = hashBatch(chunk.map(fsPath), hasher, IN_PLACE_MAX);
      this.#msPerFile = Math.max((nowMs() - t0) / chunk.length, 1e-4);
      if (result.deferred.length === 0) this.#add(chunk, chunkSizes, result.digests, result.failures);
      else this.#addSome(chunk, chunkSizes, result, big);
      done += chunk.length;
    }
    return { groups: [], bytes: [] };
  }

  /** Files hashed (or reused) by a native directory scan (dir-scan.ts), already packed. */
  addPacked(part: ScannedPart, ms: number, started: number): void {
    if (started > 0) this.#msPerFile = Math.max(ms / started, 1e-4);
    this.reused += part.reused;
    this.#packed.push(part);
  }

  /** --cache: the metadata of native scans' files handed back (by path). */
  addHanded(handed: { paths: PackedPaths; meta: Uint8Array }): void {
    this.#handed.push(handed);
  }

  /**
   * --cache: the metadata of {@link result}'s files in its order (`js`, from CacheMeta, covers
   * the listDir files, which come first) and of every file handed back.
   */
  cacheMeta(js: NonNullable<ScanResult['meta']>): NonNullable<ScanResult['meta']> {
    if (this.#packed.length === 0 && this.#handed.length === 0) return js;
    const hashed = concatBytes([js.hashed, ...this.#packed.map((p) => p.meta ?? new Uint8Array(p.paths.ends.length * META_BYTES))]);
    const lists = [js.handed, ...this.#handed];
    const paths = concatPacked(lists.map((h) => h.paths));
    return { hashed, handed: { paths, meta: concatBytes(lists.map((h) => h.meta)) } };
  }

  /** All that was hashed here, as one packed list (the listDir files first, then the scans'). */
  result(sizes: boolean): ScanResult['hashed'] {
    const parts = [{ paths: packPaths(this.paths), digests: this.digests(), failures: this.failures, bytes: this.bytes }, ...this.#packed];
    if (parts.length === 1) return { ...parts[0]!, bytes: sizes ? this.bytes : 0 };
    const failures: HashFailure[] = [];
    let total = 0;
    let n = 0;
    for (const p of parts) {
      for (const f of p.failures) failures.push({ ...f, index: f.index + n });
      n += p.paths.ends.length;
      total += p.bytes;
    }
    const digests = concatBytes(parts.map((p) => p.digests.subarray(0, p.paths.ends.length * DIGEST_BYTES)));
    return { paths: concatPacked(parts.map((p) => p.paths)), digests, failures, bytes: sizes ? total : 0 };
  }

  /** Files per chunk (and per group handed back), from the rate measured so far. */
  chunkSize(): number {
    return this.#chunkSize();
  }

  /** A file whose digest the cache gave. */
  addReused(path: BytePath, size: number, digest: Uint8Array): void {
    this.reused++;
    this.#add([path], [size], digest, []);
  }

  #add(paths: BytePath[], sizes: number[], digests: Uint8Array, failures: HashFailure[]): void {
    for (const n of sizes) this.bytes += n;
    for (const f of failures) this.failures.push({ ...f, index: f.index + this.paths.length });
    for (const p of paths) this.paths.push(p);
    this.#parts.push(digests);
  }

  /** Keeps the files that were hashed (or failed); the deferred ones go to `big`. */
  #addSome(chunk: BytePath[], sizes: number[], result: ReturnType<typeof hashBatch>, big: ScanResult['sized']): void {
    const deferred = new Set<number>();
    for (const d of result.deferred) {
      deferred.add(d.index);
      big.paths.push(chunk[d.index]!);
      big.sizes.push(d.size);
    }
    const kept: number[] = [];
    for (let i = 0; i < chunk.length; i++) if (!deferred.has(i)) kept.push(i);
    const digests = new Uint8Array(kept.length * DIGEST_BYTES);
    kept.forEach((i, k) => digests.set(result.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES), k * DIGEST_BYTES));
    const failures = result.failures.map((f) => ({ ...f, index: kept.indexOf(f.index) }));
    this.#add(
      kept.map((i) => chunk[i]!),
      kept.map((i) => sizes[i]!),
      digests,
      failures,
    );
  }

  #chunkSize(): number {
    return Math.max(1, Math.min(MAX_CHUNK, Math.floor(CHUNK_MS / this.#msPerFile)));
  }

  digests(): Uint8Array {
    const all = new Uint8Array(this.paths.length * DIGEST_BYTES);
    let at = 0;
    for (const part of this.#parts) {
      all.set(part, at);
      at += part.length;
    }
    return all;
  }
}

function groups<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}


/** Byte arrays end to end, in one unpooled buffer (posted to the main thread). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Packed path lists end to end. */
export function concatPacked(lists: PackedPaths[]): PackedPaths {
  let files = 0;
  for (const l of lists) files += l.ends.length;
  const ends = new Uint32Array(files);
  let at = 0;
  let n = 0;
  for (const l of lists) {
    for (let i = 0; i < l.ends.length; i++) ends[n + i] = l.ends[i]! + at;
    at += l.bytes.length;
    n += l.ends.length;
  }
  return { bytes: concatBytes(lists.map((l) => l.bytes)), ends };
}
