/**
 * One run: hash on the main thread while the run is small (inline.ts; never with --backend
 * bullmq, whose tree is the fleet's), then open the pool and
 * stream the rest of the work items through `imapUnordered` (the port of Python's
 * `dict(pool.imap_unordered(compute_digest, allfiles, 20))`), hand each digest and each problem
 * to the caller as results arrive, and always leave no worker behind.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Pool } from '@mpool/pool-threads';
import { SetupError, type Issue } from './errors.js';
import { addStats, handle } from './run-results.js';
import type { HasherName } from './batch.js';
import { stringToBytePath, type BytePath, type PackedPaths } from './paths.js';
import { DEFAULT_LIMITS, Scheduler, type BatchLimits } from './plan.js';
import { INLINE_MS, InlineWork, looksWide, type ItemRunner } from './inline.js';
import { checkBackend, defaultJobs, openPool, type Backend } from './pool.js';
import { loadNative } from './backend-modules.js';
import type { FleetOptions } from './fleet.js';
import type { WorkResult } from './tasks.js';
import type { CacheOptions, CacheRun } from './cache-run.js';
import type { RunStats } from './run-stats.js';
import { classifyOperand, type WalkContext } from './walk.js';

/** Options of a run. */
export interface RunOptions {
  /** `threads` (default), `procs`, or `bullmq` (the mpool-workers of `fleet`). */
  backend?: Backend;
  /** Where the fleet is: required with backend `bullmq`. */
  fleet?: FleetOptions;
  /**
   * Number of workers, when a pool is started (see {@link inlineMs}); default: the number of
   * CPUs. bullmq: slots, the jobs in flight on the fleet; default: twice the CPUs.
   */
  jobs?: number;
  /**
   * Main-thread time (ms) spent hashing before a pool is started: a run done within it starts
   * no worker (inline.ts). 0: always start the pool. Default {@link INLINE_MS}. Ignored with
   * backend `bullmq`, which never hashes here (see run()).
   */
  inlineMs?: number;
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
   * The same for paths `from` to `to` (exclusive) of a packed list (most files of a walk arrive
   * so), path `i` with `digests[64 i, 64 i + 64)`; optional, for a sink that stores bytes and so
   * needs no string per file. Default: {@link file} for each.
   */
  packedFiles?(paths: PackedPaths, from: number, to: number, digests: Buffer): void;
  issue(issue: Issue): void;
  progress?(counts: RunProgress): void;
}

/** Hashes every regular file under `operands` (files or directories). */
export async function digestTree(operands: BytePath[], options: RunOptions, sink: RunSink): Promise<void> {
  const sizes = (options.sizes ?? false) || options.stats !== undefined || options.cache !== undefined;
  const ctx: WalkContext = { follow: options.follow ?? false, exclude: options.exclude ?? [], sizes };
  const wide = options.backend !== 'bullmq' && operands.some(looksWide);
  await run({ ...options, startPoolAtOnce: wide }, ctx, sink, (scheduler, counts, cache) => {
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
  const native = await loadNative();
  if (native.isNative) return;
  const reason = (native.nativeLoadError as Error | null)?.message ?? 'disabled by MPOOL_SHA512_NATIVE=0';
  throw new SetupError(`the native hasher is not available: ${reason}`);
}

async function run(
  options: RunOptions & { startPoolAtOnce?: boolean },
  ctx: WalkContext,
  sink: RunSink,
  seed: (scheduler: Scheduler, counts: RunProgress, cache: CacheRun | null) => void,
): Promise<void> {
  const backend = options.backend ?? 'threads';
  // availableParallelism is pool-core's cpuCount(), without loading a pool package.
  const workers = options.jobs ?? defaultJobs(backend, availableParallelism());
  const hasher = options.hasher ?? 'auto';
  await checkHasher(hasher);
  await checkBackend(backend);
  options.signal?.throwIfAborted();
  // --backend bullmq: no inline hashing, whatever inlineMs / DIGEST_TREE_INLINE_MS say. The
  // tree is the workers' (mounted on their hosts, read with their permissions); this process
  // only schedules, collects and prints, and may not see the tree at all (it classifies the
  // operands, one stat each, nothing below them). Hashing here would read another host's view
  // of the files, or fail where the fleet would not. Every item goes to the fleet.
  const fleet = backend === 'bullmq' ? await import('./fleet.js') : null;
  const inlineMs = fleet ? 0 : (options.inlineMs ?? (options.startPoolAtOnce || previousRunWasBig(options.cache) ? 0 : INLINE_MS));
  // No inline budget: the workers start (tens of ms) while the operands are looked at and the
  // cache is read.
  const opening = inlineMs === 0 ? openPool(backend, workers, options.fleet) : null;
  // Awaited below (its error is the run's); until then a rejection must not count as unhandled.
  opening?.catch(() => undefined);
  const cache = options.cache
    ? // Loaded only for --cache: it needs node:crypto and node:fs/promises.
      await (await import('./cache-run.js')).CacheRun.open(options.cache).catch(async (error: unknown) => {
        if (opening) await shutdown((await opening).pool);
        throw error;
      })
    : null;
  if (cache) ctx = { ...ctx, cache: { cutoffNs: cache.cutoffNs } };
  if (fleet) ctx = fleet.fleetContext(ctx, stringToBytePath(process.cwd()));
  const scheduler = new Scheduler({ workers, hasher, ctx, limits: options.limits, cachedFor: cache?.cachedFor, countBytes: options.stats !== undefined && !ctx.sizes });
  const counts: RunProgress = { filesFound: 0, bytesFound: 0, filesDone: 0, bytesDone: 0, walking: true };
  const report = (result: WorkResult) => {
    handle(result, scheduler, counts, sink, cache, options.stats);
    sink.progress?.(counts);
  };
  let open: Awaited<ReturnType<typeof openPool>> | null = null;
  try {
    seed(scheduler, counts, cache);
    // The hasher and the walk on this thread: loaded only for a run that has something to do,
    // and never for a fleet's (inlineMs 0 and no help: nothing may run here, see above).
    const runItem: ItemRunner = fleet ? notOnTheCaller : (await import('./work-item.js')).runWorkItem;
    const inline = new InlineWork(scheduler, runItem, report, options.signal);
    const done = await inline.runWithin(inlineMs);
    if (opening) open = await opening; // even if unused (an empty tree): it must be shut down
    if (!done) {
      open ??= await openPool(backend, workers, options.fleet);
      // chunksize 1: every item is already a batch. buffersize: enough to keep each worker's
      // running + queued slot full, small enough that the scheduler's priorities still matter.
      const results = open.pool.imapUnordered(open.task, scheduler, { chunksize: 1, buffersize: 3 * workers, signal: options.signal });
      let answered = false;
      const pool = open;
      // Only with a core to spare: on 2 cores with 2 workers, the main thread's items slowed the
      // booting workers down more than they helped (measured on the small corpus). Never on a
      // fleet (see inlineMs above).
      const helping = !fleet && workers < availableParallelism() ? inline.helpWhile(() => !answered && !pool.working()) : Promise.resolve();
      helping.catch(() => undefined); // awaited below; a failure also ends the iteration (stop)
      for await (const result of results) {
        answered = true;
        report(result);
      }
      await helping;
    }
  } catch (error) {
    if (options.signal?.aborted && open?.isAbort(error)) throw options.signal.reason;
    throw fleet?.fleetFailure(error) ?? error;
  } finally {
    scheduler.stop();
    if (open) await shutdown(open.pool);
  }
  await cache?.write();
  counts.walking = false;
  sink.progress?.(counts);
}

/** The item runner of a fleet run: none (the workers run every item; see run()). */
const notOnTheCaller: ItemRunner = (item) => {
  throw new Error(`--backend bullmq: work item ${item.id} (${item.kind}) was about to run on the caller; every item must go to the fleet`);
};

/**
 * A --cache file of this size or more comes from a run of more than ~1,000 files (an entry is
 * ~110 bytes + its name): this one is most likely as big, so its pool starts at once, while the
 * cache is read, instead of after the inline budget (inline.ts).
 */
export const BIG_CACHE_BYTES = 128 << 10;

function previousRunWasBig(cache: CacheOptions | undefined): boolean {
  if (cache === undefined) return false;
  try {
    return (statSync(cache.file, { throwIfNoEntry: false })?.size ?? 0) >= BIG_CACHE_BYTES;
  } catch {
    return false; // CacheRun.open reports what is wrong with it
  }
}

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
