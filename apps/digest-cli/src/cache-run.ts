/**
 * --cache FILE, main side: read the previous cache (one warning and no reuse when it is
 * missing or unusable), hand each directory's entries to the worker that lists it, collect
 * every digested file's metadata and digest, and write the next cache atomically.
 *
 * The next cache holds exactly the files this run digested (hashed or reused); files of other
 * PATH operands used with the same FILE before are dropped. One cache per tree (or per set of
 * operands) is the intended use. Entries are keyed by the path as printed, so `a` and `./a`
 * are different entries.
 */
import { randomBytes } from 'node:crypto';
import { type BigIntStats } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DIGEST_BYTES, type BatchDigests } from './batch.js';
import { CacheFormatError, decodeCache, encodeCache, ENTRY_TAIL, META_BYTES, type CacheFile } from './cache-format.js';
import { DirEntries, metaOf } from './cache-match.js';
import { describeError } from './errors.js';
import { joinBytePath, pathAt, pathCount, unpackPath, type BytePath, type PathList } from './paths.js';
import type { ScanResult } from './scan.js';
import type { DirItem } from './walk.js';

/**
 * How much older than the cache's time a file's mtime and ctime must be for its entry to be
 * trusted: covers file systems with coarse timestamps (FAT: 2 s) and the kernel's coarse clock.
 */
export const RACY_MARGIN_NS = 2_000_000_000n;

/** --cache as the library takes it. */
export interface CacheOptions {
  /** The cache file (read at the start, replaced at the end). */
  file: string;
  /** Told once when the cache cannot be used (missing, unreadable, truncated, corrupt, other version) or not written. */
  warn(message: string): void;
}

/** One directory's entries being collected for the next cache: a doubling byte buffer. */
interface Block {
  bytes: Buffer;
  used: number;
  count: number;
}

/** A run's use of the cache. */
export class CacheRun {
  /** Digests of files whose mtime or ctime is this or later are not reused. */
  readonly cutoffNs: bigint;
  /** The time recorded in the next cache: taken before this run stats anything. */
  readonly #startNs: bigint;
  readonly #old: CacheFile | null;
  /** Metadata of files handed back by a listing (or file operands) until their digest arrives. */
  readonly #pending = new Map<BytePath, Buffer>();
  readonly #blocks = new Map<BytePath, Block>();
  #lastDir: BytePath | null = null;
  #lastBlock: Block | null = null;
  /** Listings' results, turned into entries only if the cache is written (most files come so). */
  readonly #listings: Array<{ hashed: ScanResult['hashed']; meta: Uint8Array }> = [];
  /** Files digested, and how many of them were reused. */
  #files = 0;
  #reused = 0;

  private constructor(
    private readonly options: CacheOptions,
    old: CacheFile | null,
    startNs: bigint,
  ) {
    this.#old = old;
    this.#startNs = startNs;
    this.cutoffNs = old ? old.writtenNs - RACY_MARGIN_NS : 0n;
  }

  /** Reads `options.file`; anything wrong with it is one warning and a run without reuse. */
  static async open(options: CacheOptions): Promise<CacheRun> {
    // Before any stat of this run: see cache-match.ts for why the next cache's time must not
    // be later than the stats it keeps.
    const startNs = BigInt(Date.now()) * 1_000_000n;
    let old: CacheFile | null = null;
    try {
      old = decodeCache(await readFile(options.file));
    } catch (error) {
      const why = error instanceof CacheFormatError ? error.message : describeError(error);
      options.warn(`cache ${options.file}: ${why}; hashing every file`);
    }
    return new CacheRun(options, old, startNs);
  }

  /**
   * The previous cache's entries of `dir`, copied: posting a view would clone the whole file to
   * the worker (and Buffer#slice is a view, hence `new Uint8Array`).
   */
  cachedFor = (dir: DirItem): Uint8Array | null => {
    const entries = this.#old?.dirs.get(joinBytePath(dir.path, ''));
    return entries ? new Uint8Array(entries) : null;
  };

  /** A file operand: its cached digest when reusable (recorded), else null (its digest comes later). */
  operand(path: BytePath, stats: BigIntStats): Buffer | null {
    const meta = metaOf(stats);
    const cut = path.lastIndexOf('/') + 1;
    const entries = this.#old?.dirs.get(path.slice(0, cut));
    const digest = entries ? new DirEntries(entries).reuse(path.slice(cut), meta, stats, this.cutoffNs) : null;
    if (digest) {
      this.#record(path, meta, 0, digest, 0);
      this.#files++;
      this.#reused++;
    } else this.#pending.set(path, meta);
    return digest;
  }

  /** What a listing gave back: the files it digested (or reused), and the metadata of those it handed back. */
  listed(result: ScanResult): void {
    const meta = result.meta;
    if (!meta) return;
    this.#listings.push({ hashed: result.hashed, meta: meta.hashed });
    this.#files += result.hashed.paths.ends.length - result.hashed.failures.length;
    this.#reused += result.reused;
    const handed = meta.handed;
    for (let i = 0; i < handed.paths.ends.length; i++) {
      this.#pending.set(unpackPath(handed.paths, i), Buffer.from(handed.meta.buffer, handed.meta.byteOffset + i * META_BYTES, META_BYTES));
    }
  }

  /** A hashed batch of files handed back earlier. */
  hashed(paths: PathList, result: BatchDigests): void {
    let f = 0;
    for (let i = 0; i < pathCount(paths); i++) {
      const path = pathAt(paths, i);
      const meta = this.#pending.get(path);
      this.#pending.delete(path);
      if (result.failures[f]?.index === i) f++;
      else if (meta) {
        this.#record(path, meta, 0, result.digests, i * DIGEST_BYTES);
        this.#files++;
      }
    }
  }

  /** Entries of the listings' files (see {@link #listings}). */
  #recordListings(): void {
    for (const { hashed, meta } of this.#listings.splice(0)) {
      const { paths, digests, failures } = hashed;
      let f = 0;
      for (let i = 0; i < paths.ends.length; i++) {
        if (failures[f]?.index === i) f++;
        else this.#record(unpackPath(paths, i), meta, i * META_BYTES, digests, i * DIGEST_BYTES);
      }
    }
  }

  #record(path: BytePath, meta: Uint8Array, metaAt: number, digests: Uint8Array, digestAt: number): void {
    const cut = path.lastIndexOf('/') + 1;
    const block = this.#blockOf(path, cut);
    const length = path.length - cut;
    const size = 2 + length + ENTRY_TAIL;
    if (block.used + size > block.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * block.bytes.length, block.used + size));
      block.bytes.copy(bigger, 0, 0, block.used);
      block.bytes = bigger;
    }
    const b = block.bytes;
    let at = block.used;
    b.writeUInt16LE(length, at);
    at += 2 + b.write(path.slice(cut), at + 2, 'latin1');
    b.set(meta.subarray(metaAt, metaAt + META_BYTES), at);
    b.set(digests.subarray(digestAt, digestAt + DIGEST_BYTES), at + META_BYTES);
    block.used += size;
    block.count++;
  }

  #blockOf(path: BytePath, cut: number): Block {
    // Files arrive mostly directory by directory: the last block is usually the one.
    if (this.#lastBlock && this.#lastDir!.length === cut && path.startsWith(this.#lastDir!)) return this.#lastBlock;
    const dir = path.slice(0, cut);
    let block = this.#blocks.get(dir);
    if (!block) this.#blocks.set(dir, (block = { bytes: Buffer.allocUnsafe(1024), used: 0, count: 0 }));
    this.#lastDir = dir;
    this.#lastBlock = block;
    return block;
  }

  /**
   * Replaces the cache file: a temp file in the same directory, written, fsynced and renamed
   * over it, so a reader (or a concurrent run) sees the old file or the new one, never a mix;
   * of two runs sharing a cache, the last to rename wins. A failure is a warning (the digests
   * printed are right either way) and leaves no temp file.
   */
  async write(): Promise<void> {
    // Every file reused and as many as the old cache held: the next cache would be the old
    // one with a later time, and keeping the earlier time is only stricter. Not writing it
    // saves a tenth of an unchanged re-run.
    if (this.#old && this.#reused === this.#files && this.#files === this.#old.entries) return;
    this.#recordListings();
    const blocks = [...this.#blocks].map(([dir, b]) => ({ dir, entries: [b.bytes.subarray(0, b.used)], count: b.count }));
    const data = encodeCache(blocks, this.#startNs);
    const temp = `${this.options.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, 'wx', 0o666);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.options.file);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      this.options.warn(`cache ${this.options.file}: not written: ${describeError(error)}`);
      return;
    }
    await syncDir(dirname(this.options.file));
  }
}

/** Makes the rename durable; best effort (some file systems refuse to fsync a directory). */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // not durable across a crash, still atomic
  }
}
