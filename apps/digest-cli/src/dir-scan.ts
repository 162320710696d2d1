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
 * listDir + hashBatch: the native hasher, no `--exclude` (its matcher is JS and sees every
 * path), no `--cache` (its stats and matching are per file in JS). Elsewhere scan.ts lists with
 * listDir as before, so the node:crypto fallback is unchanged.
 */
import * as native from '@mpool/sha512-native';
import type { HashFailure, HasherName } from './batch.js';
import type { Issue } from './errors.js';
import { failureOf } from './hasher.js';
import { bytePathToBuffer, fsBuffer, joinBytePath, type BytePath, type PackedPaths } from './paths.js';
import { childDir, kindOf, lookUp, skippedSpecial, type DirItem, type Kind, type WalkContext } from './walk.js';
import { issueFromError } from './errors.js';

/** What one directory gave. */
export interface DirScanned {
  dirs: DirItem[];
  issues: Issue[];
  /** Files hashed (or failed) in the call: their paths, digests, failures (by index), bytes. */
  hashed: { paths: PackedPaths; digests: Uint8Array; failures: HashFailure[]; bytes: number } | null;
  /** Files of `deferFrom` bytes or more, not read, with their sizes. */
  sized: { paths: BytePath[]; sizes: number[] };
  /** Files the budget left unstarted, in listing order, with sizes (0 unless asked for). */
  rest: { paths: Buffer; ends: Uint32Array; sizes: Float64Array } | null;
  /** Regular files found by their stats (symlinks under -L), with sizes, for the JS side to hash. */
  files: BytePath[];
  sizes: number[];
  /** Regular files found in all. */
  found: number;
  /** Wall time of the native call (ms) and the files it started: the hashing rate. */
  ms: number;
  started: number;
}

/** A scanner of one directory within a budget (ms), or null where it does not apply (see the module comment). */
export type DirScanner = (dir: DirItem, budgetMs: number) => DirScanned;

/** `d_type` values (dirent.h) → walk.ts kinds, and the wording of special files' notes. */
const DT_KINDS: Record<number, Kind> = { 1: 'special', 2: 'special', 4: 'dir', 6: 'special', 8: 'file', 10: 'symlink', 12: 'special' };
const DT_SPECIAL: Record<number, string> = { 1: 'fifo', 2: 'character device', 6: 'block device', 12: 'socket' };

/** The native scanner for this run's items, or null (module comment). */
export function dirScanner(ctx: WalkContext, hasher: HasherName, deferFrom: number): DirScanner | null {
  const scanDir = native.scanDir;
  if (scanDir === null || hasher === 'node' || ctx.exclude.length > 0 || ctx.cache) return null;
  return (dir, budgetMs) => scanOne(scanDir, dir, ctx, deferFrom, budgetMs);
}

function scanOne(scanDir: NonNullable<typeof native.scanDir>, dir: DirItem, ctx: WalkContext, deferFrom: number, budgetMs: number): DirScanned {
  const prefix = joinBytePath(dir.path, '');
  const out: DirScanned = { dirs: [], issues: [], hashed: null, sized: { paths: [], sizes: [] }, rest: null, files: [], sizes: [], found: 0, ms: 0, started: 0 };
  const t0 = process.hrtime.bigint();
  const r = scanDir(fsBuffer(dir.path), bytePathToBuffer(prefix), { deferFrom, budgetMs, sizes: ctx.sizes });
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
  return out;
}

/** The started files, less the deferred ones (rare: files of a MiB or more). */
function hashedPart(r: native.DirScan): NonNullable<DirScanned['hashed']> {
  const failures = r.failures.map((f) => failureOf(f.index, f.code));
  const n = r.started;
  if (r.deferred.length === 0) {
    const paths = { bytes: r.paths.subarray(0, r.ends[n - 1]!), ends: r.ends.subarray(0, n) };
    return { paths, digests: r.digests, failures, bytes: r.bytes };
  }
  const skip = new Set(r.deferred.map((d) => d.index));
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!skip.has(i)) keep.push(i);
  const bytes: number[] = [];
  const ends = new Uint32Array(keep.length);
  const digests = new Uint8Array(keep.length * 64);
  keep.forEach((i, k) => {
    const start = i === 0 ? 0 : r.ends[i - 1]!;
    for (let b = start; b < r.ends[i]!; b++) bytes.push(r.paths[b]!);
    ends[k] = bytes.length;
    digests.set(r.digests.subarray(i * 64, i * 64 + 64), k * 64);
  });
  const at = new Map(keep.map((i, k) => [i, k]));
  const kept = failures.map((f) => ({ ...f, index: at.get(f.index)! }));
  return { paths: { bytes: Uint8Array.from(bytes), ends }, digests, failures: kept, bytes: r.bytes };
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
      const looked = lookUp(path, kind, ctx.follow, out.issues);
      if (looked === null) continue;
      stats = looked;
      kind = kindOf(stats);
    }
    if (kind === 'file') {
      out.files.push(path);
      out.sizes.push(stats ? Number(stats.size) : 0);
    } else if (kind === 'dir') {
      const child = childDir(path, dir, stats, out.issues);
      if (child) out.dirs.push(child);
    } else if (kind === 'special') {
      out.issues.push(skippedSpecial(path, stats ?? DT_SPECIAL[type] ?? 'special file'));
    }
  }
}
