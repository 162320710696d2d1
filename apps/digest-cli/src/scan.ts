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
 *
 * With the native hasher (and no --exclude) each directory is one native call that lists it and
 * hashes its regular files (dir-scan.ts), which stops starting files when the budget runs out;
 * otherwise listDir lists and the files are hashed in chunks sized from the measured rate, to
 * check the budget between chunks.
 */
import type { HashFailure, HasherName } from './batch.js';
import { nowMs } from './clock.js';
import { readAhead } from './hasher.js';
import type { Issue } from './errors.js';
import { fsPath, packPaths, type BytePath, type PackedPaths } from './paths.js';
import { listDir, type DirItem, type WalkContext } from './walk.js';
import { CacheMeta } from './cache-scan.js';
import { dirScanner, type DirScanned } from './dir-scan.js';
import { Hashed, IN_PLACE_MAX } from './scan-hashed.js';

/**
 * Wall time after which an item starts no new work and hands the rest back. Generous: the aim
 * is only to bound how long one worker can be stuck with a directory of big files, and wall
 * time also counts time lost to other processes on a busy machine.
 */
export const BUDGET_MS = 50;
/**
 * Files found after which an item lists no further directory (it hands the rest back): an item
 * of 8 directories of 1,000 files overran its time budget on a busy machine and handed most of
 * them back unhashed, and held 8,000 paths at once in the worker.
 */
export const ITEM_FILES = 1024;

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
      const scanned = scanDir(queue[d]!, Math.max(0, budgetMs - (nowMs() - started)), cached?.[d] ?? null);
      if (ctx.descend) queue.push(...scanned.dirs);
      else out.dirs.push(...scanned.dirs);
      found += scanned.found - scanned.files.length; // those go to `here`
      meta?.enterDir(cached?.[d] ?? null);
      takeScanned(scanned, hashed, out, { here, hereSizes, sizes: ctx.sizes, meta });
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
  // directories by the next listings), so it is read ahead: now if the cache is known to be
  // cold, else as soon as one of the chunks finds it so (the first item of a cold run). Files
  // of native scans (dir-scan.ts) are read ahead inside the scan (sha512-native's batch code).
  let readingAhead = false;
  // Their subtrees too (the read-ahead then stays ahead of the listings, the window bounding
  // it), unless --exclude leaves files out, which would be read for nothing.
  const subtree = ctx.exclude.length === 0;
  const beforeChunk = (done: number) => {
    readingAhead ||= readAhead(() => [...here.slice(done), ...out.sized.paths, ...out.dirs.map((d) => d.path)].map(fsPath), hasher, subtree);
  };
  beforeChunk(0); // also when native scans left nothing here: the subdirectories are still read ahead
  const left = hashed.hashAll(here, hereSizes, hasher, overdue, out.sized, beforeChunk);
  out.loose.push(...left.groups);
  for (const bytes of left.bytes) out.looseBytes.push(ctx.sizes ? bytes : 0);
  out.hashed = hashed.result(ctx.sizes);
  if (meta) {
    out.reused = hashed.reused;
    out.meta = hashed.cacheMeta(meta.result(hashed.paths));
  }
  return out;
}


/** Where {@link takeScanned} puts what is left to the JS side. */
interface ScanSinks {
  here: BytePath[];
  hereSizes: number[];
  sizes: boolean;
  meta: CacheMeta | null;
}

/** Files of a native directory scan (dir-scan.ts) into the item's result and lists. */
function takeScanned(scanned: DirScanned, hashed: Hashed, out: ScanResult, sinks: ScanSinks): void {
  for (const issue of scanned.issues) out.issues.push(issue);
  if (scanned.hashed) hashed.addPacked(scanned.hashed, scanned.ms, scanned.started);
  if (scanned.handed) hashed.addHanded(scanned.handed);
  for (let i = 0; i < scanned.sized.paths.length; i++) {
    out.sized.paths.push(scanned.sized.paths[i]!);
    out.sized.sizes.push(scanned.sized.sizes[i]!);
  }
  // Found by their stats (symlinks under -L): matched against the cache as listDir's files are,
  // then hashed below with them, or sized.
  scanned.files.forEach((path, i) => {
    const size = scanned.sizes[i]!;
    const reused = sinks.meta?.look(path, scanned.stats[i]!);
    if (reused) return hashed.addReused(path, size, reused);
    if (size >= IN_PLACE_MAX) {
      out.sized.paths.push(path);
      out.sized.sizes.push(size);
    } else {
      sinks.here.push(path);
      sinks.hereSizes.push(size);
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
    if (sinks.sizes) for (let i = from; i < to; i++) groupBytes += rest.sizes[i]!;
    out.looseBytes.push(groupBytes);
  }
}
