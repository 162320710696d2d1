/// <reference types="node" />
// Hand-written types of the public API (index.js / index.mjs). The generated
// binding.d.ts describes the raw native layer, which is not public.

/** A file path: a string, raw bytes (Linux names need not be UTF-8), or a `file:` URL. */
export type PathLike = string | Uint8Array | URL;

/**
 * Error thrown (or rejected) for a file that cannot be hashed.
 * - `code` is the errno name (`ENOENT`, `EACCES`, `EISDIR` for a directory, ...),
 *   `ERR_NOT_REGULAR_FILE` for a FIFO, socket or device (refused without
 *   reading, never blocks), or `ERR_INVALID_ARG_VALUE` (a `TypeError`) for a
 *   path containing a NUL byte.
 * - `path` is the path exactly as passed in (string, Buffer or URL).
 */
export interface FileHashError extends Error {
  code: string;
  path: PathLike;
  /** The failed system call (`open`, `fstat`, `read`), when there is one. */
  syscall?: string;
  /** Negative errno, as in Node's fs errors, for system errors. */
  errno?: number;
  /** For `ERR_NOT_REGULAR_FILE`: `fifo`, `socket`, `character device` or `block device`. */
  fileType?: string;
}

/**
 * Streaming SHA-512, a drop-in for `crypto.createHash('sha512')`.
 * @example new Sha512().update('ab').update(Buffer.from('c')).digest('hex')
 */
export declare class Sha512 {
  constructor();
  /**
   * Feeds more input: bytes (Buffer, any TypedArray or DataView) or a string,
   * hashed as UTF-8. Returns `this` for chaining.
   * @throws {TypeError} code `ERR_INVALID_ARG_TYPE` for any other value.
   * @throws {Error} code `ERR_CRYPTO_HASH_FINALIZED` after `digest()`.
   */
  update(data: string | NodeJS.ArrayBufferView): this;
  /**
   * Finishes the hash: a 64-byte Buffer, or a string in the given encoding
   * (`'hex'`, `'base64'`, ...). The hasher cannot be used afterwards.
   * @throws {Error} code `ERR_CRYPTO_HASH_FINALIZED` if called twice.
   * @throws {TypeError} code `ERR_UNKNOWN_ENCODING` for an unknown encoding.
   */
  digest(): Buffer;
  digest(encoding: BufferEncoding): string;
}

/**
 * One-shot SHA-512 of bytes or of a string's UTF-8 encoding.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for bad data, `ERR_UNKNOWN_ENCODING` for a bad encoding.
 */
export declare function sha512(data: string | NodeJS.ArrayBufferView): Buffer;
export declare function sha512(data: string | NodeJS.ArrayBufferView, encoding: BufferEncoding): string;

/** Options of {@link hashFile}. */
export interface HashFileOptions {
  /** Aborting rejects with an `AbortError` (code `ABORT_ERR`) and stops reading. */
  signal?: AbortSignal;
}

/**
 * SHA-512 of a regular file, computed on the libuv thread pool: the whole
 * file is opened, read, hashed and closed in native code, never on the JS thread.
 * @throws {FileHashError} (as a rejection) when the file cannot be hashed.
 * @throws {TypeError} (as a rejection) `ERR_INVALID_ARG_TYPE` for a bad path.
 */
export declare function hashFile(path: PathLike, options?: HashFileOptions): Promise<Buffer>;

/**
 * SHA-512 of a regular file on the calling thread. For callers that are
 * already off the main thread (pool workers); blocks while it reads.
 * @throws {FileHashError} when the file cannot be hashed.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a bad path.
 */
export declare function hashFileSync(path: PathLike): Buffer;

/** The error of one failed entry of a batch (plain data: safe to post to another thread). */
export interface HashFilesError {
  /** Same codes as {@link FileHashError}. */
  code: string;
  message: string;
}

/** One entry of a batch result; `path` is the input element, unchanged. */
export type HashFilesResult<P extends PathLike, D> = { path: P; digest: D } | { path: P; error: HashFilesError };

/** Options of {@link hashFiles} and {@link hashFilesAsync}. */
export interface HashFilesOptions {
  /** Return digests as strings in this encoding instead of Buffers. */
  encoding?: BufferEncoding;
}

/**
 * Hashes every file of a batch in one native call on the calling thread (for
 * pool workers). A file that fails gets an `error` entry; it never fails the
 * batch. Results are in input order.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `paths` is not an array of paths.
 */
export declare function hashFiles<P extends PathLike>(paths: readonly P[]): Array<HashFilesResult<P, Buffer>>;
export declare function hashFiles<P extends PathLike>(
  paths: readonly P[],
  options: HashFilesOptions & { encoding: BufferEncoding },
): Array<HashFilesResult<P, string>>;

/** Result of {@link hashFilesPacked}. */
export interface PackedDigests {
  /** 64 bytes per input path, in input order; zeros where the file failed. Unpooled, transferable. */
  digests: Buffer;
  /** The files that failed, by input index; same codes as {@link FileHashError}. */
  failures: Array<{ index: number; code: string; message: string }>;
  /** Regular files left unhashed because of `deferFrom`, by input index, with their sizes. */
  deferred: Array<{ index: number; size: number }>;
}

/** Options of {@link hashFilesPacked}. */
export interface PackedOptions {
  /**
   * Regular files of at least this many bytes are opened (so type and errors are checked) but
   * not hashed, and listed in `deferred`: a caller that batches without knowing sizes can then
   * schedule big files by size. Default: hash everything.
   */
  deferFrom?: number;
}

/**
 * {@link hashFiles} returning all digests packed in one Buffer: the cheapest
 * shape to send from a worker back to the main thread (one transferable block).
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `paths` is not an array of paths.
 */
export declare function hashFilesPacked(paths: readonly PathLike[], options?: PackedOptions): PackedDigests;

/**
 * {@link hashFiles} on the libuv thread pool: one pool round trip for the
 * whole batch. Aborting the signal rejects with an `AbortError`.
 * @throws {TypeError} (as a rejection) `ERR_INVALID_ARG_TYPE` for bad arguments.
 */
export declare function hashFilesAsync<P extends PathLike>(
  paths: readonly P[],
  options?: HashFilesOptions & HashFileOptions & { encoding?: undefined },
): Promise<Array<HashFilesResult<P, Buffer>>>;
export declare function hashFilesAsync<P extends PathLike>(
  paths: readonly P[],
  options: HashFilesOptions & HashFileOptions & { encoding: BufferEncoding },
): Promise<Array<HashFilesResult<P, string>>>;

/** Options of {@link scanDir}. */
export interface ScanDirOptions {
  /** Regular files of at least this many bytes are opened and sized, not hashed (see {@link PackedOptions}). */
  deferFrom?: number;
  /** No file is started after this many ms from the call's start; the rest stay unstarted. Default: no limit. */
  budgetMs?: number;
  /** Also size the files left unstarted (`restSizes`), and count failed files in `bytes`. */
  sizes?: boolean;
  /**
   * digest-tree's `--cache`: `fstatat` every regular file first (its metadata comes back in
   * `meta`), and take the digest of a file from `entries` (this directory's entries in
   * digest-tree's cache format: name length u16 LE, name, dev, ino, size, mtime ns, ctime ns as
   * u64 LE, digest) instead of reading it when all five match and both times are older than
   * `cutoffNs`. Reused files (and files that vanished before their `fstatat`, reported as
   * failures of `lstat`) come first in `paths`; `reused` counts the former.
   */
  cache?: { entries: Uint8Array | null; cutoffNs: bigint };
}

/** A directory listed and its regular files hashed by {@link scanDir}. */
export interface DirScan {
  /** The directory could not be opened or read (as from `readdirSync`: `code`, `syscall` 'scandir'); nothing else is set then. */
  error?: Error & { code: string; errno: number; syscall: string };
  /** `prefix` + name of every regular file (by the entry's type), names in byte order: path i is `paths[ends[i-1] ?? 0, ends[i])`. */
  paths: Buffer;
  ends: Uint32Array;
  /** Files `0..started` were hashed, failed or deferred; the rest were not started (budget). */
  started: number;
  /** 64 bytes per started file; zeros where it failed or was deferred. */
  digests: Buffer;
  /** Started files that failed, by index (codes as {@link FileHashError}'s). */
  failures: Array<{ index: number; code: string; message: string }>;
  /** Files of `deferFrom` bytes or more, by index, with their sizes (not read). */
  deferred: Array<{ index: number; size: number }>;
  /** Bytes of the started files that were not deferred. */
  bytes: number;
  /** With `sizes`: sizes of the unstarted files (0 when one could not be looked up). */
  restSizes: Float64Array;
  /** Every entry that is not a regular file: names packed like `paths` (without the prefix), and each one's `d_type`. */
  others: Buffer;
  otherEnds: Uint32Array;
  otherTypes: Buffer;
  /** With `cache`: 40 bytes of metadata per file of `paths`, in its order (zeros where `fstatat` failed). */
  meta: Buffer;
  /** With `cache`: how many files took their digest from the cache. */
  reused: number;
}

/**
 * Lists `dir` and hashes its regular files on the calling thread, in one native call
 * (`getdents64`, then `openat` relative to the directory, four files at a time): the cheapest
 * way to digest a directory of small files, with no JS object or string per file. Only with
 * the native addon: `null` under the node:crypto fallback.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for bad arguments.
 */
export declare const scanDir: ((dir: PathLike, prefix: Uint8Array, options?: ScanDirOptions) => DirScan) | null;

/** digest-tree's store of paths and digests, as its `DigestStore.layout()` gives it (see apps/digest-cli/src/store.ts). */
export interface DigestStoreLayout {
  /** Per entry: its directory prefix, where its name starts (`chunk << 20 | offset` in `arena`), its name's length. */
  dirOf: Uint32Array;
  startOf: Uint32Array;
  lengthOf: Uint32Array;
  /** Name bytes, 1 MiB chunks. */
  arena: Uint8Array[];
  /** Every directory prefix's bytes, one after another: prefix d is `dirs[dirEnds[d-1] ?? 0, dirEnds[d])`. */
  dirs: Uint8Array;
  dirEnds: Uint32Array;
  /** 64 bytes per entry, 16,384 entries per chunk. */
  digests: Uint8Array[];
}

/**
 * Writes digest-tree's GNU (`HEX  PATH`) or BSD (`SHA512 (PATH) = HEX`) lines of the entries
 * `order[from..]` into `out`, until it is full or the next line needs escaping (its path holds
 * `\\`, `\n` or `\r`) or is longer than `out`: `byJs` says that line is left to the caller.
 * Only with the native addon: `null` under the node:crypto fallback.
 * @throws {Error} when an index of `layout` is out of range.
 */
export declare const writeDigestLines:
  | ((order: Uint32Array, from: number, layout: DigestStoreLayout, bsd: boolean, out: Uint8Array) => { next: number; written: number; byJs: boolean })
  | null;

/**
 * Cold page cache support. Hashing threads read one file at a time, so on a cold disk the
 * device would sit idle; the native hasher notices uncached files (its first read of a file is
 * a `preadv2(RWF_NOWAIT)`, no extra system call) and then reads the next files of its batch
 * ahead on a few shared threads. A caller that knows what comes after the batch (the rest of a
 * directory walk) can hand it over too: `readAhead(paths)` queues those files (open +
 * `posix_fadvise(WILLNEED)` + close) and directories (their entries are read), only while the
 * cache looks cold, and returns whether it did. With `{ subtree: true }` the files and
 * directories found in those directories are queued in turn, the whole subtree, so that the
 * device stays busy ahead of a walk: only while less than a window
 * (`MPOOL_SHA512_READAHEAD_WINDOW` bytes; default 2 GiB or an eighth of the RAM if less)
 * has been read ahead and not yet hashed, and until the cache stops looking cold. Symlinks are
 * not followed; a walk that leaves files out (excludes) should not ask for subtrees, whose
 * files would all be read. Best effort: never throws for a path, never waits. On by default; `MPOOL_SHA512_READAHEAD=N` sets the number of read-ahead threads
 * (default 8; 0 = off, and no probe either). The node:crypto fallback never reads ahead.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `paths` is not an array of paths, or
 * `options.subtree` is not a boolean.
 */
export declare function readAhead(paths: readonly PathLike[], options?: { subtree?: boolean }): boolean;

/** True when a file read in the last second was not in the page cache (native only; see {@link readAhead}). */
export declare function cacheCold(): boolean;

/** What the cold-cache read-ahead did in this process so far (all 0 with the fallback). */
export interface ReadAheadStats {
  /** Read-ahead threads when on (`MPOOL_SHA512_READAHEAD`, default 8); 0 when off. */
  threads: number;
  /** First reads of a batch's files that found the file not in the page cache. */
  uncached: number;
  /** Paths handed to the read-ahead threads (by callers, and found in subtrees). */
  queued: number;
  /** Of those, the files and directories found by reading subtrees ahead (`{ subtree: true }`). */
  subtree: number;
  /** Of those, how many the threads have dealt with (advised, listed, or skipped on an error). */
  done: number;
}

/** Counters of the cold-cache probe and read-ahead since the process started (for tests and benchmarks). */
export declare function readAheadStats(): ReadAheadStats;

/**
 * True when the native addon is in use; false when the node:crypto fallback
 * is (addon missing or not loadable, or `MPOOL_SHA512_NATIVE=0`).
 */
export declare const isNative: boolean;

/** Why the addon did not load (null when it did, or when the fallback was forced). */
export declare const nativeLoadError: unknown;
