/**
 * One run: open the pool, stream work items through `imapUnordered` (the port of Python's
 * `dict(pool.imap_unordered(compute_digest, allfiles, 20))`), hand each digest and each problem
 * to the caller as results arrive, and always leave no worker behind.
 */
import { AbortError, cpuCount, type Pool } from '@mpool/pool-threads';
import { SetupError, type Issue } from './errors.js';
import { DIGEST_BYTES, type BatchDigests, type HashFailure, type HasherName } from './batch.js';
import { pathCount, stringToBytePath, unpackPath, type BytePath, type PackedPaths } from './paths.js';
import { DEFAULT_LIMITS, Scheduler, type BatchLimits } from './plan.js';
import { defaultJobs, openPool, workTask, type Backend } from './pool.js';
import { fleetContext, fleetFailure, type FleetOptions } from './fleet.js';
import type { WorkResult } from './tasks.js';
import { CacheRun, type CacheOptions } from './cache-run.js';
import type { RunStats } from './run-stats.js';
import { classifyOperand, type WalkContext } from './walk.js';

/** Options of a run. */
export interface RunOptions {
  /** `threads` (default), `procs`, or `bullmq` (the mpool-workers of `fleet`). */
  backend?: Backend;
  /** Where the fleet is: required with backend `bullmq`. */
  fleet?: FleetOptions;
  /** Number of workers (bullmq: slots, the jobs in flight on the fleet); default: the number of CPUs (bullmq: twice it). */
  jobs?: number;
  /** `auto` (default): native when the addon loads, else node:crypto. */
  hasher?: HasherName;
  /** Follow symlinks (loops are detected and not followed). Default false. */
  follow?: boolean;
  /** gitignore-style patterns to leave out, relative to each operand. */
  exclude?: string[];
  /** Stops the run: workers are terminated and the run rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Look up every file's size, so that progress counts bytes (one lstat per file). */
  sizes?: boolean;
  /** Batching limits (tests). */
  limits?: BatchLimits;
  /**
   * Reuse the digests of files whose metadata is unchanged since the last run with the same
   * cache file, and write the next one (cache-run.ts; not for {@link digestStream}, which
   * exists to read the bytes).
   */
  cache?: CacheOptions;
  /** Counters to add this run's figures to (--stats); implies `sizes`. */
  stats?: RunStats;
}

/** Counters for progress reports. */
export interface RunProgress {
  filesFound: number;
  bytesFound: number;
  filesDone: number;
  bytesDone: number;
  /** True while directories are still being listed (totals can still grow). */
  walking: boolean;
}

/** Where a run's results go. */
export interface RunSink {
  /** A file's digest: `digests[offset, offset + 64)`. */
  file(path: BytePath, digests: Buffer, offset: number): void;
  /**
   * The same for path `i` of a packed list (most files of a walk arrive so); optional, for a
   * sink that stores bytes and so needs no string per file. Default: {@link file}.
   */
  packedFile?(paths: PackedPaths, i: number, digests: Buffer, offset: number): void;
  issue(issue: Issue): void;
  progress?(counts: RunProgress): void;
}

/** Hashes every regular file under `operands` (files or directories). */
export async function digestTree(operands: BytePath[], options: RunOptions, sink: RunSink): Promise<void> {
  const sizes = (options.sizes ?? false) || options.stats !== undefined || options.cache !== undefined;
  const ctx: WalkContext = { follow: options.follow ?? false, exclude: options.exclude ?? [], sizes };
  await run(options, ctx, sink, (scheduler, counts, cache) => {
    for (const operand of operands) {
      const found = classifyOperand(operand, ctx.follow);
      if (found.kind === 'issue') sink.issue(found.issue);
      else if (found.kind === 'dir') scheduler.addDirs([found.item]);
      else {
        counts.filesFound++;
        counts.bytesFound += found.size;
        const digest = cache?.operand(found.path, found.stats);
        if (!digest) {
          scheduler.addFiles([found.path], [found.size]);
          continue;
        }
        sink.file(found.path, digest, 0);
        counts.filesDone++;
        counts.bytesDone += found.size;
        if (options.stats) addStats(options.stats, 1, found.size, 1);
      }
    }
  });
}

/**
 * Hashes the paths `paths` yields (for --check), exactly those, as they come: the iterable is
 * read while files are hashed, so its producer controls how far ahead it reads (memory stays
 * bounded). Sizes are unknown, so batches go by count.
 */
export async function digestStream(paths: AsyncIterable<BytePath>, options: RunOptions, sink: RunSink): Promise<void> {
  const ctx: WalkContext = { follow: true, exclude: [], sizes: false };
  // Without sizes a big file may hide in any batch: keep batches short so the work still spreads.
  const limits = options.limits ?? { ...DEFAULT_LIMITS, maxFiles: 16 };
  let pump: Promise<void> = Promise.resolve();
  await run({ ...options, limits, cache: undefined }, ctx, sink, (scheduler, counts) => {
    scheduler.startFeed();
    pump = (async () => {
      try {
        for await (const path of paths) {
          scheduler.feed([path]);
          counts.filesFound++;
        }
      } finally {
        scheduler.endFeed();
      }
    })();
    // If the run fails first, nobody awaits the pump: its own failure must not go unhandled.
    pump.catch(() => undefined);
  });
  await pump; // a manifest that could not be read to its end
}

/** `--hasher native` must fail early and clearly when the addon is missing; `auto` is decided by each worker. */
async function checkHasher(hasher: HasherName): Promise<void> {
  if (hasher !== 'native') return;
  const native = await import('@mpool/sha512-native');
  if (native.isNative) return;
  const reason = (native.nativeLoadError as Error | null)?.message ?? 'disabled by MPOOL_SHA512_NATIVE=0';
  throw new SetupError(`the native hasher is not available: ${reason}`);
}

async function run(
  options: RunOptions,
  ctx: WalkContext,
  sink: RunSink,
  seed: (scheduler: Scheduler, counts: RunProgress, cache: CacheRun | null) => void,
): Promise<void> {
  const backend = options.backend ?? 'threads';
  const workers = options.jobs ?? defaultJobs(backend, cpuCount());
  const hasher = options.hasher ?? 'auto';
  await checkHasher(hasher);
  options.signal?.throwIfAborted();
  // Workers start (tens of ms) while the operands are looked at (and the cache is read).
  const opening = openPool(backend, workers, options.fleet);
  const cache = options.cache ? await CacheRun.open(options.cache).catch(async (error: unknown) => {
    await shutdown(await opening);
    throw error;
  }) : null;
  const pool = await opening;
  if (cache) ctx = { ...ctx, cache: { cutoffNs: cache.cutoffNs } };
  if (backend === 'bullmq') ctx = fleetContext(ctx, stringToBytePath(process.cwd()));
  const scheduler = new Scheduler({ workers, hasher, ctx, limits: options.limits, cachedFor: cache?.cachedFor, countBytes: options.stats !== undefined && !ctx.sizes });
  const counts: RunProgress = { filesFound: 0, bytesFound: 0, filesDone: 0, bytesDone: 0, walking: true };
  try {
    seed(scheduler, counts, cache);
    // chunksize 1: every item is already a batch. buffersize: enough to keep each worker's
    // running + queued slot full, small enough that the scheduler's priorities still matter.
    const results = pool.imapUnordered(workTask(), scheduler, { chunksize: 1, buffersize: 3 * workers, signal: options.signal });
    for await (const result of results) {
      handle(result, scheduler, counts, sink, cache, options.stats);
      sink.progress?.(counts);
    }
  } catch (error) {
    if (options.signal?.aborted && error instanceof AbortError) throw options.signal.reason;
    throw (backend === 'bullmq' ? fleetFailure(error) : null) ?? error;
  } finally {
    scheduler.stop();
    await shutdown(pool);
  }
  await cache?.write();
  counts.walking = false;
  sink.progress?.(counts);
}

function handle(result: WorkResult, scheduler: Scheduler, counts: RunProgress, sink: RunSink, cache: CacheRun | null, stats?: RunStats): void {
  if (result.kind === 'hash') {
    const batch = scheduler.done(result.id)!;
    cache?.hashed(batch.paths, result);
    if (stats) addStats(stats, pathCount(batch.paths) - result.failures.length, result.bytes ?? batch.bytes, 0);
    if (Array.isArray(batch.paths)) deliver(batch.paths, result, sink);
    else deliverPacked(batch.paths, result, sink);
    counts.filesDone += pathCount(batch.paths);
    counts.bytesDone += batch.bytes;
    return;
  }
  for (const issue of result.issues) sink.issue(issue);
  cache?.listed(result);
  if (stats) addStats(stats, result.hashed.paths.ends.length - result.hashed.failures.length, result.hashed.bytes, result.reused);
  scheduler.addDirs(result.dirs);
  scheduler.addFiles(result.sized.paths, result.sized.sizes);
  scheduler.addLoose(result.loose, result.looseBytes);
  deliverPacked(result.hashed.paths, result.hashed, sink);
  // Found: everything the listing saw; done: only what it hashed (the rest comes back later).
  const hashed = result.hashed.paths.ends.length;
  let found = hashed + result.sized.paths.length;
  for (const group of result.loose) found += pathCount(group);
  counts.filesFound += found;
  counts.filesDone += hashed;
  counts.bytesFound += result.hashed.bytes;
  counts.bytesDone += result.hashed.bytes;
  for (const size of result.sized.sizes) counts.bytesFound += size;
  for (const bytes of result.looseBytes) counts.bytesFound += bytes;
  scheduler.done(result.id);
  counts.walking = scheduler.walking;
}

/** Adds `files` digested (`reused` of them from the cache) of `bytes` to --stats' counters. */
function addStats(stats: RunStats, files: number, bytes: number, reused: number): void {
  stats.files += files;
  stats.bytes += bytes;
  stats.hashed += files - reused;
  stats.reused += reused;
}

/** Hands a batch's digests (or failures, in index order) to the sink. */
function deliver(paths: BytePath[], digests: BatchDigests, sink: RunSink): void {
  const buffer = Buffer.from(digests.digests.buffer, digests.digests.byteOffset, digests.digests.byteLength);
  const failures = digests.failures;
  let f = 0;
  for (let i = 0; i < paths.length; i++) {
    const failure = failures[f]?.index === i ? failures[f++] : undefined;
    if (failure === undefined) sink.file(paths[i]!, buffer, i * DIGEST_BYTES);
    else sink.issue(issueOf(paths[i]!, failure));
  }
}

/** {@link deliver} for packed paths: no string per file unless the sink wants one. */
function deliverPacked(paths: PackedPaths, digests: BatchDigests, sink: RunSink): void {
  const buffer = Buffer.from(digests.digests.buffer, digests.digests.byteOffset, digests.digests.byteLength);
  const failures = digests.failures;
  let f = 0;
  for (let i = 0; i < paths.ends.length; i++) {
    const failure = failures[f]?.index === i ? failures[f++] : undefined;
    if (failure !== undefined) sink.issue(issueOf(unpackPath(paths, i), failure));
    else if (sink.packedFile) sink.packedFile(paths, i, buffer, i * DIGEST_BYTES);
    else sink.file(unpackPath(paths, i), buffer, i * DIGEST_BYTES);
  }
}

const issueOf = (path: BytePath, failure: HashFailure): Issue => ({
  severity: failure.code === 'ERR_NOT_REGULAR_FILE' ? 'note' : 'error',
  path,
  code: failure.code,
  message: failure.message,
});

/**
 * Always close + join, never terminate(): an aborted job has already had its workers killed by
 * the pool (AbortSignal), and after any other error (stdout closed) the few batches still
 * running finish in milliseconds. (pool-core's terminate() can also crash on a reply that was
 * already in flight; close + join has no such window.)
 */
async function shutdown(pool: Pool): Promise<void> {
  pool.close();
  await pool.join();
}
