/**
 * The `--cache FILE` file format: binary, so that any path (newlines, backslashes, bytes that
 * are not UTF-8) is stored as its exact bytes, length-prefixed.
 *
 *   header  32 bytes: magic "DTCACHE\0", format version (u32), 0 (u32),
 *           written (u64, ns since the epoch: the moment the cache was written), body length (u64)
 *   body    directory blocks: dir prefix length (u32), its bytes (`a/b/`, '' for none),
 *           entry count (u32), then per entry: name length (u16), name bytes,
 *           dev, ino, size, mtime ns, ctime ns (5 × u64), SHA-512 digest (64 bytes)
 *   trailer SHA-256 of header + body (32 bytes)
 * All integers little-endian. Entries are grouped by directory so that a directory's entries
 * can be handed to the worker that lists it as one slice, with no parsing on the main thread
 * beyond the block headers.
 *
 * A file whose magic, version, length or checksum does not match is refused as a whole: a
 * truncated or corrupt cache can never yield a digest.
 */
import { DIGEST_BYTES } from './batch.js';
import { lazyBuiltin } from './clock.js';

// Loaded on first use: every listing loads this module (scan.ts), most runs have no cache, and
// node:crypto pulls in the streams (a few ms of a small run's start-up).
const crypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');
import type { BytePath } from './paths.js';

export const CACHE_MAGIC = Buffer.from('DTCACHE\0', 'latin1');
/** Bump when the layout changes: an other-version cache is refused (one warning, full run). */
export const CACHE_VERSION = 1;
export const HEADER_BYTES = 32;
const TRAILER_BYTES = 32;
/** dev, ino, size, mtime ns, ctime ns. */
export const META_WORDS = 5;
export const META_BYTES = META_WORDS * 8;
/** Bytes of an entry after its name. */
export const ENTRY_TAIL = META_BYTES + DIGEST_BYTES;

/** A cache read back: each directory's entries as one slice of the body. */
export interface CacheFile {
  /** When it was written (ns since the epoch). */
  writtenNs: bigint;
  /** Directory prefix (`a/b/`, '' for none) → its entries (name length, name, meta, digest)... */
  dirs: Map<BytePath, Uint8Array>;
  /** Entries in all. */
  entries: number;
}

/** Why a cache file was refused (the one warning says it). */
export class CacheFormatError extends Error {}

const checksum = (data: Uint8Array): Buffer => crypto().createHash('sha256').update(data).digest();

/** Parses and verifies a whole cache file. @throws CacheFormatError */
export function decodeCache(file: Buffer): CacheFile {
  if (file.length < HEADER_BYTES + TRAILER_BYTES || !file.subarray(0, 8).equals(CACHE_MAGIC)) throw new CacheFormatError('not a digest-tree cache');
  const version = file.readUInt32LE(8);
  if (version !== CACHE_VERSION) throw new CacheFormatError(`cache format version ${version}, this digest-tree reads version ${CACHE_VERSION}`);
  const bodyLength = Number(file.readBigUInt64LE(24));
  if (file.length !== HEADER_BYTES + bodyLength + TRAILER_BYTES) throw new CacheFormatError('truncated (its length does not match its header)');
  const end = HEADER_BYTES + bodyLength;
  if (!checksum(file.subarray(0, end)).equals(file.subarray(end))) throw new CacheFormatError('corrupt (checksum mismatch)');
  const dirs = new Map<BytePath, Uint8Array>();
  let entries = 0;
  let at = HEADER_BYTES;
  const need = (n: number): void => {
    if (at + n > end) throw new CacheFormatError('corrupt (a block runs past the end)');
  };
  while (at < end) {
    need(4);
    const dirLength = file.readUInt32LE(at);
    need(4 + dirLength + 4);
    const dir = file.toString('latin1', at + 4, at + 4 + dirLength);
    const count = file.readUInt32LE(at + 4 + dirLength);
    at += 8 + dirLength;
    entries += count;
    const start = at;
    for (let i = 0; i < count; i++) {
      need(2);
      const entry = 2 + file.readUInt16LE(at) + ENTRY_TAIL;
      need(entry);
      at += entry;
    }
    dirs.set(dir, file.subarray(start, at));
  }
  return { writtenNs: file.readBigUInt64LE(16), dirs, entries };
}

/** Builds a cache file from directory blocks (as {@link CacheWriter} collects them). */
export function encodeCache(blocks: Iterable<{ dir: BytePath; entries: Uint8Array[]; count: number }>, writtenNs: bigint): Buffer {
  const parts: Uint8Array[] = [];
  let bodyLength = 0;
  for (const block of blocks) {
    const head = Buffer.allocUnsafe(8 + block.dir.length);
    head.writeUInt32LE(block.dir.length, 0);
    head.write(block.dir, 4, 'latin1');
    head.writeUInt32LE(block.count, 4 + block.dir.length);
    parts.push(head);
    bodyLength += head.length;
    for (const e of block.entries) {
      parts.push(e);
      bodyLength += e.length;
    }
  }
  const header = Buffer.alloc(HEADER_BYTES);
  CACHE_MAGIC.copy(header, 0);
  header.writeUInt32LE(CACHE_VERSION, 8);
  header.writeBigUInt64LE(writtenNs, 16);
  header.writeBigUInt64LE(BigInt(bodyLength), 24);
  const file = Buffer.concat([header, ...parts], HEADER_BYTES + bodyLength + TRAILER_BYTES);
  checksum(file.subarray(0, HEADER_BYTES + bodyLength)).copy(file, HEADER_BYTES + bodyLength);
  return file;
}
