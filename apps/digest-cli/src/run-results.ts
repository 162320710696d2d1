/**
 * A run's results as they come back (from a worker or from the main thread itself): digests and
 * problems to the sink, new work to the scheduler, and the counts of progress, --cache and
 * --stats. Whoever ran the item, its result is handled here, the same way.
 */
import { DIGEST_BYTES, type BatchDigests, type HashFailure } from './batch.js';
import type { CacheRun } from './cache-run.js';
import type { RunProgress, RunSink } from './digest.js';
import type { Issue } from './errors.js';
import { pathCount, unpackPath, type BytePath, type PackedPaths } from './paths.js';
import type { Scheduler } from './plan.js';
import type { RunStats } from './run-stats.js';
import type { WorkResult } from './tasks.js';

/** Reports one result (see the module comment). */
export function handle(result: WorkResult, scheduler: Scheduler, counts: RunProgress, sink: RunSink, cache: CacheRun | null, stats?: RunStats): void {
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
export function addStats(stats: RunStats, files: number, bytes: number, reused: number): void {
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
  const count = paths.ends.length;
  // The files between two failures (all of them, usually) go to the sink as one range.
  for (let from = 0, f = 0; from <= count; f++) {
    const to = f < failures.length ? failures[f]!.index : count;
    if (to > from) {
      if (sink.packedFiles) sink.packedFiles(paths, from, to, buffer);
      else for (let i = from; i < to; i++) sink.file(unpackPath(paths, i), buffer, i * DIGEST_BYTES);
    }
    if (to < count) sink.issue(issueOf(unpackPath(paths, to), failures[f]!));
    from = to + 1;
  }
}

const issueOf = (path: BytePath, failure: HashFailure): Issue => ({
  severity: failure.code === 'ERR_NOT_REGULAR_FILE' ? 'note' : 'error',
  path,
  code: failure.code,
  message: failure.message,
});
