/**
 * Hashing a batch of files inside a worker, in one of two ways:
 * - `native`: `@mpool/sha512-native`'s `hashFiles`, one native call per batch (open, fstat,
 *   read, hash and close all in Rust/OpenSSL; FIFOs and devices are refused, never read);
 * - `node`: the same contract with sync `node:fs` + `node:crypto`, for machines without the
 *   addon and as a second implementation to check the first against.
 * Both return one packed Buffer (64 bytes per file) so a batch crosses back to the main thread
 * as a single block instead of one object per file. Failures are data, never exceptions.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import * as native from '@mpool/sha512-native';
import { DIGEST_BYTES, type BatchDigests, type HashFailure, type HasherName } from './batch.js';
import { lazyBuiltin } from './clock.js';
import { describeCode } from './errors.js';

// Only the `node` hasher needs node:crypto (the main thread hashes small runs itself: inline.ts).
const crypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');

/** Files left unhashed by {@link hashBatch}'s `deferFrom`, by index, with their sizes. */
export type Deferred = Array<{ index: number; size: number }>;

/**
 * Hashes `paths` (as paths.ts `fsPath` makes them) with the chosen implementation; sync, so call
 * it in a worker. Regular files of `deferFrom` bytes or more are only listed in `deferred`.
 *
 * A batch of one file that may be big (the planner sends files of GROUP_MAX or more alone) is
 * read in 256 KiB chunks from JS and fed to the native streaming hasher: a worker thread can then
 * be stopped between two chunks, where one native call on a 10 GiB file would hold up Ctrl-C.
 * Any other batch is one native call, which hashes four files at a time (SIMD lanes).
 */
export function hashBatch(paths: Array<string | Buffer>, hasher: HasherName, deferFrom = Infinity): BatchDigests & { deferred: Deferred } {
  // `auto` with the addon missing: the package's own node:crypto fallback would do as well,
  // but ours streams, so a big file stays interruptible.
  if (hasher === 'auto') hasher = native.isNative ? 'native' : 'node';
  if (hasher === 'native' && (paths.length > 1 || deferFrom !== Infinity)) return hashWithNative(paths, deferFrom);
  // Slow (unpooled) allocation: a small Buffer from the shared pool would drag its whole 8 KiB
  // slab along when posted back to the main thread.
  const digests = Buffer.allocUnsafeSlow(paths.length * DIGEST_BYTES);
  const failures: HashFailure[] = [];
  const deferred: Deferred = [];
  const create = hasher === 'node' ? () => crypto().createHash('sha512') : () => new native.Sha512();
  for (let i = 0; i < paths.length; i++) {
    try {
      const out = hashStreaming(paths[i]!, create, deferFrom);
      if (typeof out === 'number') deferred.push({ index: i, size: out });
      else out.copy(digests, i * DIGEST_BYTES);
    } catch (error) {
      failures.push(failureOf(i, (error as NodeJS.ErrnoException).code ?? 'EIO'));
    }
  }
  return { digests, failures, deferred };
}

/**
 * Hands files and directories that this worker (or another) will read soon to the native
 * read-ahead threads, only while the page cache looks cold (see sha512-native `readAhead`): on
 * a cold disk a hashing thread waits on one read at a time, and these keep more in flight,
 * whatever the number of workers. A no-op on a warm cache (one native call, no system call)
 * and with the node hasher. `subtree`: the directories' whole subtrees are read ahead (within
 * the addon's window), for a walk that hashes every file it finds (no --exclude). Returns
 * whether the paths were queued.
 */
export function readAhead(paths: () => Array<string | Buffer>, hasher: HasherName, subtree: boolean): boolean {
  if (hasher === 'node' || !native.isNative || !native.cacheCold()) return false;
  return native.readAhead(paths(), { subtree });
}

function hashWithNative(paths: Array<string | Buffer>, deferFrom: number): BatchDigests & { deferred: Deferred } {
  // One unpooled Buffer of packed digests: no object or string per file.
  const out = native.hashFilesPacked(paths, deferFrom === Infinity ? {} : { deferFrom });
  return { digests: out.digests, failures: out.failures.map((f) => failureOf(f.index, f.code)), deferred: out.deferred };
}

interface StreamHash {
  update(data: Uint8Array): unknown;
  digest(): Buffer;
}

const CHUNK = 1 << 18; // 256 KiB: stays in L2; as fast as one native call per file, measured
let chunk: Buffer | undefined;
// O_NONBLOCK: opening a FIFO that appeared after the walk must not block; fstat then refuses it.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * open, fstat (regular files only), read to EOF, close; or only the size, for a file of
 * `deferFrom` bytes or more. Throws errors with an errno `code`.
 */
function hashStreaming(path: string | Buffer, create: () => StreamHash, deferFrom: number): Buffer | number {
  chunk ??= Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    if (!stats.isFile()) throw Object.assign(new Error('not regular'), { code: 'ERR_NOT_REGULAR_FILE' });
    if (stats.size >= deferFrom) return stats.size;
    const hash = create();
    for (let n; (n = readSync(fd, chunk, 0, CHUNK, null)) > 0; ) hash.update(n === CHUNK ? chunk : chunk.subarray(0, n));
    return hash.digest();
  } finally {
    closeSync(fd);
  }
}

export function failureOf(index: number, code: string): HashFailure {
  const message = code === 'ERR_NOT_REGULAR_FILE' ? 'not a regular file, skipped' : describeCode(code);
  return { index, code, message };
}
