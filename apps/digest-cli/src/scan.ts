/**
 * Worker side of a `list` item: list directories and hash their files right there, so that the
 * paths of small files never make the round trip worker → main → worker, and no file costs an
 * lstat just to be batched (together ~15% of the run on 100,000 small files).
 *
 * What is not hashed here goes back to the main thread, to be shared among all workers:
 * - files with a known size of at least {@link IN_PLACE_MAX} (they are scheduled biggest first);
 * - whatever is left when the item has run for {@link BUDGET_MS}: a directory of big files found
 *   without sizes then costs this worker one slow batch, and the rest is shared.
 * Files are hashed in chunks that start at one file and double, so the first surprise (a huge
 * file in a big directory) is found after one file, not after a whole batch.
 */
import { DIGEST_BYTES, type HashFailure, type HasherName } from './batch.js';
import { hashBatch } from './hasher.js';
import type { Issue } from './errors.js';
import { fsPath, type BytePath } from './paths.js';
import { listDir, type DirItem, type WalkContext } from './walk.js';

/** Files at least this big are not hashed in place when their size is known. */
export const IN_PLACE_MAX = 1 << 20;
/**
 * Wall time after which an item starts no new work and hands the rest back. Generous: the aim
 * is only to bound how long one worker can be stuck with a directory of big files, and wall
 * time also counts time lost to other processes on a busy machine.
 */
export const BUDGET_MS = 50;
/** Aimed duration of one native hashing call, from the rate measured on the previous one. */
const CHUNK_MS = 4;
const MAX_CHUNK = 256;

/** What a `list` item gives back. */
export interface ScanResult {
  /** Directories still to list: found, or left over when the time budget ran out. */
  dirs: DirItem[];
  issues: Issue[];
  /** Files to schedule by size. */
  sized: { paths: BytePath[]; sizes: number[] };
  /** Files left over by the time budget, in groups of about CHUNK_MS each (sizes unknown). */
  loose: BytePath[][];
  /** Files hashed here: digest i is `digests[64 i, 64 i + 64)` unless listed in `failures`. */
  hashed: { paths: BytePath[]; bytes: number; digests: Uint8Array; failures: HashFailure[] };
}

/** Lists `dirs` and hashes the files found, within the time budget. */
export function scan(dirs: DirItem[], ctx: WalkContext, hasher: HasherName): ScanResult {
  const started = performance.now();
  const overdue = () => performance.now() - started > BUDGET_MS;
  const out: ScanResult = { dirs: [], issues: [], sized: { paths: [], sizes: [] }, loose: [], hashed: { paths: [], bytes: 0, digests: new Uint8Array(0), failures: [] } };
  const hashed = new Hashed();
  for (let d = 0; d < dirs.length; d++) {
    if (d > 0 && overdue()) {
      out.dirs.push(...dirs.slice(d));
      break;
    }
    const listing = listDir(dirs[d]!, ctx);
    out.dirs.push(...listing.dirs);
    out.issues.push(...listing.issues);
    const here: BytePath[] = [];
    listing.files.forEach((path, i) => {
      const size = listing.sizes?.[i];
      if (size !== undefined && size >= IN_PLACE_MAX) {
        out.sized.paths.push(path);
        out.sized.sizes.push(size);
      } else {
        here.push(path);
        hashed.bytes += size ?? 0;
      }
    });
    out.loose.push(...hashed.hashAll(here, hasher, overdue));
  }
  out.hashed = { paths: hashed.paths, bytes: ctx.sizes ? hashed.bytes : 0, digests: hashed.digests(), failures: hashed.failures };
  return out;
}

/** Digests hashed in place, and the rate measured so far (seconds per file). */
class Hashed {
  paths: BytePath[] = [];
  failures: HashFailure[] = [];
  bytes = 0;
  #parts: Uint8Array[] = [];
  #msPerFile = 0.05;

  /** Hashes `paths` in chunks sized from the measured rate; returns the leftovers, grouped. */
  hashAll(paths: BytePath[], hasher: HasherName, overdue: () => boolean): BytePath[][] {
    let done = 0;
    let size = 1; // a first file alone: a directory of huge files shows itself after one
    while (done < paths.length) {
      if (overdue()) return groups(paths.slice(done), this.#chunkSize());
      const chunk = paths.slice(done, done + size);
      const t0 = performance.now();
      const result = hashBatch(chunk.map(fsPath), hasher);
      this.#msPerFile = Math.max((performance.now() - t0) / chunk.length, 1e-4);
      for (const f of result.failures) this.failures.push({ ...f, index: f.index + this.paths.length });
      for (const p of chunk) this.paths.push(p);
      this.#parts.push(result.digests);
      done += chunk.length;
      size = this.#chunkSize();
    }
    return [];
  }

  #chunkSize(): number {
    return Math.max(1, Math.min(MAX_CHUNK, Math.floor(CHUNK_MS / this.#msPerFile)));
  }

  digests(): Uint8Array {
    const all = new Uint8Array(this.paths.length * DIGEST_BYTES);
    let at = 0;
    for (const part of this.#parts) {
      all.set(part, at);
      at += part.length;
    }
    return all;
  }
}

function groups(paths: BytePath[], size: number): BytePath[][] {
  const out: BytePath[][] = [];
  for (let i = 0; i < paths.length; i += size) out.push(paths.slice(i, i + size));
  return out;
}
