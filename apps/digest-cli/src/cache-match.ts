/**
 * --cache, worker side (and main side for file operands): does a file's stat match its cache
 * entry closely enough to reuse the digest instead of reading the file?
 *
 * The rule (git's "racily clean" rule, with ctime as well): reuse only when dev, ino, size,
 * mtime ns and ctime ns all equal the entry's, AND both times are older than the cache's write
 * time minus a margin (`cutoffNs`). A file modified in the same clock tick as the stat that made
 * its entry would keep its metadata while its bytes changed; its times are then at or after that
 * stat, so not older than the cutoff, and it is re-hashed. ctime is checked too because a
 * rewrite that restores the mtime (`touch -d`, utimes) still moves the ctime.
 */
import type { BigIntStats } from 'node:fs';
import { DIGEST_BYTES } from './batch.js';
import { ENTRY_TAIL, META_BYTES } from './cache-format.js';
import type { BytePath } from './paths.js';

/** The 40 bytes of metadata a cache entry keeps (dev, ino, size, mtime ns, ctime ns, u64 LE). */
export function metaOf(stats: BigIntStats, into: Buffer = Buffer.allocUnsafe(META_BYTES), at = 0): Buffer {
  into.writeBigUInt64LE(stats.dev, at);
  into.writeBigUInt64LE(stats.ino, at + 8);
  into.writeBigUInt64LE(stats.size, at + 16);
  into.writeBigUInt64LE(stats.mtimeNs, at + 24);
  into.writeBigUInt64LE(stats.ctimeNs, at + 32);
  return into;
}

/** True when a file of these stats is too recent to trust the metadata (see the module comment). */
export const racy = (stats: BigIntStats, cutoffNs: bigint): boolean => stats.mtimeNs >= cutoffNs || stats.ctimeNs >= cutoffNs;

/** One directory's cache entries, indexed by name on first use. */
export class DirEntries {
  #index: Map<BytePath, number> | null = null;
  readonly #view: Buffer;

  constructor(entries: Uint8Array) {
    this.#view = Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength);
  }

  /** The cached digest of `name` if `meta` (from {@link metaOf}) matches and is not racy; else null. */
  reuse(name: BytePath, meta: Buffer, stats: BigIntStats, cutoffNs: bigint): Buffer | null {
    if (racy(stats, cutoffNs)) return null;
    const at = this.#indexed().get(name);
    if (at === undefined) return null;
    const view = this.#view;
    if (view.compare(meta, 0, META_BYTES, at, at + META_BYTES) !== 0) return null;
    return view.subarray(at + META_BYTES, at + META_BYTES + DIGEST_BYTES);
  }

  #indexed(): Map<BytePath, number> {
    if (this.#index) return this.#index;
    const index = new Map<BytePath, number>();
    const view = this.#view;
    for (let at = 0; at < view.length; ) {
      const length = view.readUInt16LE(at);
      index.set(view.toString('latin1', at + 2, at + 2 + length), at + 2 + length);
      at += 2 + length + ENTRY_TAIL;
    }
    this.#index = index;
    return index;
  }
}
