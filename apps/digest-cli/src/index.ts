/**
 * digest-tree as a library: `buildDigestMap(dir)` is Python's
 * `dict(pool.imap_unordered(compute_digest, allfiles, 20))`, done on an mpool worker pool with
 * native hashing.
 */
import { digestTree, type RunOptions } from './digest.js';
import { DigestStore } from './store.js';
import { bytePathToBuffer, bytesToBytePath, fsdecodeBytePath, stringToBytePath } from './paths.js';
import { classifyOperand } from './walk.js';

// Bytes <-> the surrogateescape strings used as keys (same as Python's os.fsdecode/os.fsencode).
export { fsdecode, fsencode } from './paths.js';
export type { Backend } from './pool.js';
export type { HasherName } from './batch.js';
import type { RunProgress } from './digest.js';
export type { RunProgress };

/** A file or directory that could not be read, or was skipped. */
export interface DigestIssue {
  /** `error`: could not be read (omitted from the map); `note`: skipped on purpose (FIFO, loop). */
  severity: 'error' | 'note';
  /** The path, decoded like the map's keys. */
  path: string;
  /** The path's exact bytes. */
  pathBytes: Buffer;
  /** errno name (`ENOENT`, `EACCES`, ...), `ESPECIAL` or `ELOOPDIR`. */
  code: string;
  message: string;
}

/** Options of {@link buildDigestMap}. */
export interface DigestMapOptions extends Omit<RunOptions, 'limits'> {
  /** Called for each file or directory that could not be read or was skipped. Default: ignore. */
  onIssue?: (issue: DigestIssue) => void;
  /** Called after each result (a listing or a hashed batch) with running totals (it turns on `sizes`). */
  onProgress?: (counts: RunProgress) => void;
}

/**
 * Maps every regular file under `dir` to its SHA-512 (lowercase hex).
 *
 * Keys are `dir` joined with the path below it (`dir/sub/file`, as `find dir` prints them), in
 * bytewise order. Names that are not valid UTF-8 are decoded with surrogateescape (each bad byte
 * becomes U+DC80..U+DCFF); `fsencode(key)` gives the exact bytes back. Files that cannot be read
 * are left out and reported to `onIssue`.
 *
 * @param dir a directory (or a single file); a Buffer for a name that is not UTF-8.
 * @throws (as a rejection) the fs error if `dir` itself cannot be read; the signal's reason when
 *   `signal` aborts (workers are stopped first); SetupError if the backend or hasher is missing.
 */
export async function buildDigestMap(dir: string | Buffer, options: DigestMapOptions = {}): Promise<Map<string, string>> {
  const root = typeof dir === 'string' ? stringToBytePath(dir) : bytesToBytePath(dir);
  const operand = classifyOperand(root, options.follow ?? false);
  if (operand.kind === 'issue' && operand.issue.severity === 'error') {
    throw Object.assign(new Error(`${fsdecodeBytePath(root)}: ${operand.issue.message}`), { code: operand.issue.code, path: dir });
  }
  const store = new DigestStore();
  const { onIssue, onProgress, ...run } = options;
  await digestTree([root], { ...run, sizes: run.sizes ?? onProgress !== undefined }, {
    file: (path, digests, offset) => store.add(path, digests, offset),
    packedFiles: (paths, from, to, digests) => store.addPackedRange(paths, from, to, digests),
    issue: (issue) => onIssue?.({ ...issue, path: fsdecodeBytePath(issue.path), pathBytes: bytePathToBuffer(issue.path) }),
    progress: onProgress && ((counts) => onProgress({ ...counts })),
  });
  const map = new Map<string, string>();
  for (const i of store.sorted()) map.set(fsdecodeBytePath(store.path(i)), store.hex(i));
  return map;
}
