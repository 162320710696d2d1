/**
 * Worker side of a `list` item: list directories and hash their files right there, so that the
 * paths of small files never make the round trip worker → main → worker, and no file costs an
 * lstat just to be batched (together ~15% of the run on 100,000 small files).
 *
 * What is not hashed here goes back to the main thread, to be shared among all workers:
 * - files of at least {@link IN_PLACE_MAX}: known from the listing's sizes in small directories,
 *   and found by the hasher itself elsewhere (it defers them: one open + fstat, no read), so that
 *   they are hashed in groups of similar size, four at a time (plan.ts);
 * - whatever is left when the item has run for {@link BUDGET_MS}.
 * Files are hashed in chunks sized from the measured rate, to check the budget between chunks.
 */
import { DIGEST_BYTES, type HashFailure, type HasherName } from './batch.js';
import { nowMs } from './clock.js';
import { hashBatch, readAhead } from './hasher.js';
import type { Issue } from './errors.js';
import { fsPath, packPaths, type BytePath, type PackedPaths } from './paths.js';
import { listDir, type DirItem, type WalkContext } from './walk.js';
import { CacheMeta } from './cache-scan.js';
import { dirScanner, type DirScanned } from './dir-scan.js';

/** Files at least this big are not hashed in place when their size is known. */
export const IN_PLACE_MAX = 1 << 20;
/**
 * Wall time after which an item starts no new work and hands the rest back. Generous: the aim
 * is only to bound how long one worker can be stuck with a directory of big files, and wall
 * time also counts time lost to other processes on a busy machine.
 */
export const BUDGET_MS = 50;
/** Aimed duration of one native hashing call, from the rate measured on the previous one. */
const CHUNK_MS = 4;
/**
 * Files found after which an item lists no further directory (it hands the rest back): an item
 * of 8 directories of 1,000 files overran its time budget on a busy machine and handed most of
 * them back unhashed, and held 8,000 paths at once in the worker.
 */
export const ITEM_FILES = 1024;
const MAX_CHUNK = 256;

/** What a `list` item gives back. */
export interface ScanResult {
  /** Directories still to list: found, or left over when the time budget ran out. */
  dirs: DirItem[];
  issues: Issue[];
  /** Files to schedule by size (big ones). */
  sized: { paths: BytePath[]; sizes: number[] };
  /**
   * Files left over by the time budget, in groups of about CHUNK_MS each, packed: on a busy
   * machine most files of a walk can come back this way.
   */
  loose: PackedPaths[];
  /** Bytes of each `loose` group (0 unless `ctx.sizes`): found now, done when the group is hashed. */
  looseBytes: number[];
  /**
   * Files hashed here (packed: most paths of a run cross here): digest i is
   * `digests[64 i, 64 i + 64)` unless listed in `failures`; `bytes` are theirs only (0 unless
   * `ctx.sizes`), not those of files handed back.
   */
  hashed: { paths: PackedPaths; bytes: number; digests: Uint8Array; failures: HashFailure[] };
  /** --cache: how many of `hashed` were taken from the cache instead of being read. */
  reused: number;
  /**
   * --cache: the metadata (cache-match.ts `metaOf`, 40 bytes a file) of `hashed`, in its order,
   * and of every file handed back (`sized`, `loose`) by path, for the next cache to keep.
   */
  meta?: { hashed: Uint8Array; handed: { paths: PackedPaths; meta: Uint8Array } };
}

/**
 * Lists `dirs` and hashes the files found, within the time budget. With `ctx.cache`, `cached[d]`
 * holds the cache's entries of `dirs[d]` (or null): files that match them are not read.
 */
export function scan(dirs: DirItem[], ctx: WalkContext, hasher: HasherName, budgetMs = BUDGET_MS, cached?: Array<Uint8Array | null>): ScanResult {
  const started = nowMs();
  const overdue = () => nowMs() - started > budgetMs;
  const out: ScanResult = {
    dirs: [],
    issues: [],
    sized: { paths: [], sizes: [] },
    loose: [],
    looseBytes: [],
    hashed: { paths: packPaths([]), bytes: 0, digests: new Uint8Array(0), failures: [] },
    reused: 0,
  };
  const hashed = new Hashed();
  const meta = ctx.cache ? new CacheMeta(ctx.cache.cutoffNs) : null;
  // The native hasher lists a directory and hashes its files in one call (dir-scan.ts), where
  // that gives the same results; otherwise listDir + chunks of hashBatch below.
  const scanDir = dirScanner(ctx, hasher, IN_PLACE_MAX);
  // The files of all the directories are hashed together, after listing: the hasher keeps four
  // files in flight (SIMD lanes), and the end of each call, where lanes run dry, then comes once
  // per item rather than once per directory.
  const here: BytePath[] = [];
  const hereSizes: number[] = [];
  let found = 0;
  // ctx.descend: the subdirectories found are listed here too, while the item has room.
  const queue = ctx.descend ? [...dirs] : dirs;
  for (let d = 0; d < queue.length; d++) {
    if (d > 0 && (overdue() || found + here.length >= ITEM_FILES)) {
      out.dirs.push(...queue.slice(d));
      break;
    }
    if (scanDir) {
      const scanned = scanDir(queue[d]!, Math.max(0, budgetMs - (nowMs() - started)));
      if (ctx.descend) queue.push(...scanned.dirs);
      else out.dirs.push(...scanned.dirs);
      found += scanned.found - scanned.files.length; // those go to `here`
      takeScanned(scanned, hashed, out, here, hereSizes, ctx.sizes);
      continue;
    }
    const listing = listDir(queue[d]!, ctx);
    if (ctx.descend) queue.push(...listing.dirs);
    else out.dirs.push(...listing.dirs);
    out.issues.push(...listing.issues);
    meta?.enterDir(cached?.[d] ?? null);
    listing.files.forEach((path, i) => {
      const size = listing.sizes?.[i];
      const reused = meta?.look(path, listing.stats![i]!);
      if (reused) return hashed.addReused(path, size!, reused);
      if (size !== undefined && size >= IN_PLACE_MAX) {
        out.sized.paths.push(path);
        out.sized.sizes.push(size);
      } else {
        here.push(path);
        hereSizes.push(size ?? 0);
      }
    });
  }
  // Cold cache: everything listed here is about to be read (files here or by another worker,
  // directories by the next listings), so it is read ahead now.
  readAhead(() => [...here, ...out.sized.paths, ...out.dirs.map((d) => d.path)].map(fsPath), hasher);
  const left = hashed.hashAll(here, hereSizes, hasher, overdue, out.sized);
  out.loose.push(...left.groups);
  for (const bytes of left.bytes) out.looseBytes.push(ctx.sizes ? bytes : 0);
  out.hashed = hashed.result(ctx.sizes);
  if (meta) {
    out.reused = hashed.reused;
    out.meta = meta.result(hashed.paths);
  }
  return out;
}

/** Digests hashed in place, and the rate measured so far (seconds per file). */
class Hashed {
  paths: BytePath[] = [];
  failures: HashFailure[] = [];
  bytes = 0;
  reused = 0;
  #parts: Uint8Array[] = [];
  readonly #packed: Array<NonNullable<DirScanned['hashed']>> = [];
  // A first guess (16 files per chunk); big files are deferred, so no chunk can take long.
  #msPerFile = CHUNK_MS / 16;

  /**
   * Hashes `paths` (of `sizes`, 0 when unknown) in chunks sized from the measured rate; files of
   * IN_PLACE_MAX or more go to `big` instead. Returns the leftovers, grouped, with their bytes.
   */
  hashAll(paths: BytePath[], sizes: number[], hasher: HasherName, overdue: () => boolean, big: ScanResult['sized']): { groups: PackedPaths[]; bytes: number[] } {
    let done = 0;
    while (done < paths.length) {
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

  /** Files hashed by a native directory scan (dir-scan.ts), already packed. */
  addPacked(part: NonNullable<DirScanned['hashed']>, ms: number, started: number): void {
    if (started > 0) this.#msPerFile = Math.max(ms / started, 1e-4);
    this.#packed.push(part);
  }

  /** All that was hashed here, as one packed list (the listDir files first, then the scans'). */
  result(sizes: boolean): ScanResult['hashed'] {
    const parts = [{ paths: packPaths(this.paths), digests: this.digests(), failures: this.failures, bytes: this.bytes }, ...this.#packed];
    if (parts.length === 1) return { ...parts[0]!, bytes: sizes ? this.bytes : 0 };
    let files = 0;
    let pathBytes = 0;
    for (const p of parts) {
      files += p.paths.ends.length;
      pathBytes += p.paths.bytes.length;
    }
    // Unpooled: posted to the main thread, where a pooled slab would be cloned whole.
    const bytes = Buffer.allocUnsafeSlow(pathBytes);
    const ends = new Uint32Array(files);
    const digests = Buffer.allocUnsafeSlow(files * DIGEST_BYTES);
    const failures: HashFailure[] = [];
    let total = 0;
    let at = 0;
    let n = 0;
    for (const p of parts) {
      bytes.set(p.paths.bytes, at);
      for (let i = 0; i < p.paths.ends.length; i++) ends[n + i] = p.paths.ends[i]! + at;
      digests.set(p.digests.subarray(0, p.paths.ends.length * DIGEST_BYTES), n * DIGEST_BYTES);
      for (const f of p.failures) failures.push({ ...f, index: f.index + n });
      at += p.paths.bytes.length;
      n += p.paths.ends.length;
      total += p.bytes;
    }
    return { paths: { bytes, ends }, digests, failures, bytes: sizes ? total : 0 };
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

/** Files of a native directory scan (dir-scan.ts) into the item's result and lists. */
function takeScanned(scanned: DirScanned, hashed: Hashed, out: ScanResult, here: BytePath[], hereSizes: number[], sizes: boolean): void {
  for (const issue of scanned.issues) out.issues.push(issue);
  if (scanned.hashed) hashed.addPacked(scanned.hashed, scanned.ms, scanned.started);
  for (let i = 0; i < scanned.sized.paths.length; i++) {
    out.sized.paths.push(scanned.sized.paths[i]!);
    out.sized.sizes.push(scanned.sized.sizes[i]!);
  }
  // Found by their stats (symlinks under -L): hashed below with the listDir files, or sized.
  scanned.files.forEach((path, i) => {
    const size = scanned.sizes[i]!;
    if (size >= IN_PLACE_MAX) {
      out.sized.paths.push(path);
      out.sized.sizes.push(size);
    } else {
      here.push(path);
      hereSizes.push(size);
    }
  });
  const rest = scanned.rest;
  if (!rest) return;
  // Left unstarted by the budget: handed back in groups of about CHUNK_MS of work, copied out
  // of the scan's buffer (a view would post the whole buffer).
  const size = hashed.chunkSize();
  for (let from = 0; from < rest.ends.length; from += size) {
    const to = Math.min(from + size, rest.ends.length);
    const base = from === 0 ? 0 : rest.ends[from - 1]!;
    const bytes = Buffer.allocUnsafeSlow(rest.ends[to - 1]! - base);
    bytes.set(rest.paths.subarray(base, rest.ends[to - 1]!));
    const ends = rest.ends.slice(from, to);
    for (let i = 0; i < ends.length; i++) ends[i]! -= base;
    out.loose.push({ bytes, ends });
    let groupBytes = 0;
    if (sizes) for (let i = from; i < to; i++) groupBytes += rest.sizes[i]!;
    out.looseBytes.push(groupBytes);
  }
}
