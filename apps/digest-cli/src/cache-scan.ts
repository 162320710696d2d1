/**
 * --cache inside a `list` item (scan.ts): matches each listed file against its directory's cache
 * entries, and keeps every file's metadata so that the main thread can write the next cache.
 * The metadata is the listing's own stat (walk.ts stats every file under --cache), taken before
 * the file is read: a change during the read then shows in the next run's stat.
 */
import type { BigIntStats } from 'node:fs';
import { META_BYTES } from './cache-format.js';
import { DirEntries, metaOf } from './cache-match.js';
import { packPaths, type BytePath, type PackedPaths } from './paths.js';

export class CacheMeta {
  /** Metadata of the files listed by this item, by path (at most ITEM_FILES or so). */
  readonly #metas = new Map<BytePath, Buffer>();
  #dir: DirEntries | null = null;

  constructor(private readonly cutoffNs: bigint) {}

  /** The next files are from a directory with these cache entries (null: none). */
  enterDir(entries: Uint8Array | null): void {
    this.#dir = entries && entries.length > 0 ? new DirEntries(entries) : null;
  }

  /** Records `path`'s stats; returns its cached digest when it may be reused, else null. */
  look(path: BytePath, stats: BigIntStats): Uint8Array | null {
    const meta = metaOf(stats);
    this.#metas.set(path, meta);
    return this.#dir?.reuse(path.slice(path.lastIndexOf('/') + 1), meta, stats, this.cutoffNs) ?? null;
  }

  /** The metadata of `hashed` (in order), and of every other file seen (handed back unhashed). */
  result(hashed: BytePath[]): { hashed: Uint8Array; handed: { paths: PackedPaths; meta: Uint8Array } } {
    const metas = this.#metas;
    const out = Buffer.allocUnsafeSlow(hashed.length * META_BYTES);
    hashed.forEach((path, i) => {
      metas.get(path)!.copy(out, i * META_BYTES);
      metas.delete(path);
    });
    const handed = Buffer.allocUnsafeSlow(metas.size * META_BYTES);
    let i = 0;
    for (const meta of metas.values()) meta.copy(handed, META_BYTES * i++);
    return { hashed: out, handed: { paths: packPaths([...metas.keys()]), meta: handed } };
  }
}
