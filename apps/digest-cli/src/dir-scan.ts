/**
 * A directory listed and its files hashed in one native call (sha512-native `scanDir`: getdents,
 * then openat/fstat/read/close relative to the directory, four files at a time), worker side.
 * The files come back packed (one buffer of paths, one of digests), so a file of a big tree
 * costs no JS object, string or crossing into native code on its way: the per-file JS work of
 * the `readdirSync` + `hashFilesPacked` path (a Dirent, two strings and a napi conversion per
 * file) was what kept digest-tree at ~2× the open/read/close floor on trees of small files.
 *
 * Only the regular files are the addon's; every other entry comes back by name and type and is
 * decided here by walk.ts's rules, exactly as {@link listDir} decides it (follow, loops, notes
 * for special files, entries of unknown type). Used only where it gives the same results as
 * listDir + hashBatch: the native hasher and no `--exclude` (its matcher is JS and must see every
 * path). Elsewhere scan.ts lists with listDir as before, so the node:crypto fallback is unchanged.
 *
 * With `--cache` the addon also stats every regular file (`fstatat` relative to the directory)
 * and matches it against the directory's entries of the previous cache by the same rule as
 * cache-match.ts (dev, ino, size, mtime ns, ctime ns equal, and not racy), so an unchanged file
 * costs one system call and no JS work; its metadata comes back packed for the next cache.
 */
import type { BigIntStats } from 'node:fs';
import * as native from '@mpool/sha512-native';
import type { HashFailure, HasherName } from './batch.js';
import type { Issue } from './errors.js';
import { failureOf } from './hasher.js';
import { bytePathToBuffer, fsBuffer, joinBytePath, type BytePath, type PackedPaths } from './paths.js';
import { childDir, kindOf, lookUp, skippedSpecial, type DirItem, type Kind, type WalkContext } from './walk.js';
import { issueFromError } from './errors.js';
import { META_BYTES } from './cache-format.js';

/** Files hashed (or failed, or reused) in one call, packed; `meta` (--cache) is aligned with `paths`. */
export interface ScannedPart {
  paths: PackedPaths;
  digests: Uint8Array;
  failures: HashFailure[];
  bytes: number;
  meta: Uint8Array | null;
  reused: number;
}

/** What one directory gave. */
export interface DirScanned {
  dirs: DirItem[];
  issues: Issue[];
  /** Files hashed (or failed) in the call: their paths, digests, failures (by index), bytes. */
  hashed: ScannedPart | null;
  /** Files of `deferFrom` bytes or more, not read, with their sizes. */
  sized: { paths: BytePath[]; sizes: number[] };
  /** Files the budget left unstarted, in listing order, with sizes (0 unless asked for). */
  rest: { paths: Buffer; ends: Uint32Array; sizes: Float64Array } | null;
  /** --cache: the metadata of the `sized` and `rest` files, by path (packed), for the next cache. */
  handed: { paths: PackedPaths; meta: Uint8Array } | null;
  /** Regular files found by their stats (symlinks under -L), with sizes (and stats with --cache), for the JS side. */
  files: BytePath[];
  sizes: number[];
  stats: BigIntStats[];
  /** Regular files found in all. */
  found: number;
  /** Wall time of the native call (ms) and the files it started: the hashing rate. */
  ms: number;
  started: number;
}

/** A scanner of one directory within a budget (ms), or null where it does not apply (see the module comment). */
export type DirScanner = (dir: DirItem, budgetMs: number, cached: Uint8Array | null) => DirScanned;

/** `d_type` values (dirent.h) → walk.ts kinds, and the wording of special files' notes. */
const DT_KINDS: Record<number, Kind> = { 1: 'special', 2: 'special', 4: 'dir', 6: 'special', 8: 'file', 10: 'symlink', 12: 'special' };
const DT_SPECIAL: Record<number, string> = { 1: 'fifo', 2: 'character device', 6: 'block device', 12: 'socket' };

/** The native scanner for this run's items, or null (module comment). */
export function dirScanner(ctx: WalkContext, hasher: HasherName, deferFrom: number): DirScanner | null {
  const scanDir = native.scanDir;
  if (scanDir === null || hasher === 'node' || ctx.exclude.length > 0) return null;
  return (dir, budgetMs, cached) => scanOne(scanDir, dir, ctx, deferFrom, budgetMs, cached);
}

function scanOne(scanDir: NonNullable<typeof native.scanDir>, dir: DirItem, ctx: WalkContext, deferFrom: number, budgetMs: number, cached: Uint8Array | null): DirScanned {
  const prefix = joinBytePath(dir.path, '');
  const out: DirScanned = { dirs: [], issues: [], hashed: null, sized: { paths: [], sizes: [] }, rest: null, handed: null, files: [], sizes: [], stats: [], found: 0, ms: 0, started: 0 };
  const t0 = process.hrtime.bigint();
  const cache = ctx.cache ? { entries: cached, cutoffNs: ctx.cache.cutoffNs } : undefined;
  const r = scanDir(fsBuffer(dir.path), bytePathToBuffer(prefix), { deferFrom, budgetMs, sizes: ctx.sizes, cache });
  out.ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) {
    out.issues.push(issueFromError(dir.path, r.error));
    return out;
  }
  placeOthers(r, prefix, dir, ctx, out);
  const count = r.ends.length;
  out.found = count + out.files.length;
  out.started = r.started;
  if (r.started > 0) out.hashed = hashedPart(r);
  for (const d of r.deferred) {
    out.sized.paths.push(pathOf(r.paths, r.ends, d.index));
    out.sized.sizes.push(d.size);
  }
  if (r.started < count) {
    const base = r.started === 0 ? 0 : r.ends[r.started - 1]!;
    const ends = r.ends.slice(r.started);
    for (let i = 0; i < ends.length; i++) ends[i]! -= base;
    out.rest = { paths: r.paths.subarray(base), ends, sizes: r.restSizes };
  }
  if (ctx.cache && (r.deferred.length > 0 || r.started < count)) out.handed = handedMeta(r);
  return out;
}

/** --cache: paths and metadata of the files not hashed here (deferred, unstarted). */
function handedMeta(r: native.DirScan): NonNullable<DirScanned['handed']> {
  const picked = r.deferred.map((d) => d.index);
  for (let i = r.started; i < r.ends.length; i++) picked.push(i);
  return pick(r, picked, 0);
}

/** Files `indices` of a scan, packed, with their metadata (and digests when `digests`). */
function pick(r: native.DirScan, indices: number[], digests: number): { paths: PackedPaths; meta: Uint8Array; digests: Uint8Array } {
  const startOf = (i: number) => (i === 0 ? 0 : r.ends[i - 1]!);
  let length = 0;
  for (const i of indices) length += r.ends[i]! - startOf(i);
  const bytes = new Uint8Array(length);
  const ends = new Uint32Array(indices.length);
  const meta = new Uint8Array(r.meta.length > 0 ? indices.length * META_BYTES : 0);
  const out = new Uint8Array(digests * indices.length);
  let at = 0;
  indices.forEach((i, k) => {
    bytes.set(r.paths.subarray(startOf(i), r.ends[i]!), at);
    ends[k] = at += r.ends[i]! - startOf(i);
    if (meta.length > 0) meta.set(r.meta.subarray(i * META_BYTES, (i + 1) * META_BYTES), k * META_BYTES);
    if (digests > 0) out.set(r.digests.subarray(i * 64, i * 64 + 64), k * 64);
  });
  return { paths: { bytes, ends }, meta, digests: out };
}

/** The started files, less the deferred ones (rare: files of a MiB or more). */
function hashedPart(r: native.DirScan): ScannedPart {
  const failures = r.failures.map((f) => failureOf(f.index, f.code));
  const n = r.started;
  const meta = r.meta.length > 0 ? r.meta.subarray(0, n * META_BYTES) : null;
  if (r.deferred.length === 0) {
    const paths = { bytes: r.paths.subarray(0, r.ends[n - 1]!), ends: r.ends.subarray(0, n) };
    return { paths, digests: r.digests, failures, bytes: r.bytes, meta, reused: r.reused };
  }
  const skip = new Set(r.deferred.map((d) => d.index));
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!skip.has(i)) keep.push(i);
  const kept = pick(r, keep, 64);
  const at = new Map(keep.map((i, k) => [i, k]));
  const keptFailures = failures.map((f) => ({ ...f, index: at.get(f.index)! }));
  return { paths: kept.paths, digests: kept.digests, failures: keptFailures, bytes: r.bytes, meta: meta && kept.meta, reused: r.reused };
}

const pathOf = (paths: Uint8Array, ends: Uint32Array, i: number): BytePath =>
  Buffer.from(paths.buffer, paths.byteOffset + (i === 0 ? 0 : ends[i - 1]!), ends[i]! - (i === 0 ? 0 : ends[i - 1]!)).toString('latin1');

/** Every entry that is not a regular file, by walk.ts's rules (as listDir, with no --exclude). */
function placeOthers(r: native.DirScan, prefix: BytePath, dir: DirItem, ctx: WalkContext, out: DirScanned): void {
  for (let i = 0; i < r.otherEnds.length; i++) {
    const path = prefix + pathOf(r.others, r.otherEnds, i);
    const type = r.otherTypes[i]!;
    let kind: Kind = DT_KINDS[type] ?? 'unknown';
    let stats;
    // As listDir: unknown types, symlinks to follow and directories under --follow are looked up.
    if (kind === 'unknown' || (ctx.follow && (kind === 'symlink' || kind === 'dir'))) {
      const looked = lookUp(path, kind, ctx.follow, out.issues, Boolean(ctx.cache));
      if (looked === null) continue;
      stats = looked;
      kind = kindOf(stats);
    }
    if (kind === 'file') {
      out.files.push(path);
      out.sizes.push(stats ? Number(stats.size) : 0);
      if (ctx.cache) out.stats.push(stats as BigIntStats);
    } else if (kind === 'dir') {
      const child = childDir(path, dir, stats, out.issues);
      if (child) out.dirs.push(child);
    } else if (kind === 'special') {
      out.issues.push(skippedSpecial(path, stats ?? DT_SPECIAL[type] ?? 'special file'));
    }
  }
}
