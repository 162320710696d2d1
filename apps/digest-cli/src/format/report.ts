/**
 * Collecting digests and printing them in one of the output formats. Results arrive in
 * completion order; every format but NDJSON is printed sorted by path (bytewise), so the output
 * is the same whatever the backend, the number of workers or the timing.
 */
import type { Output } from '../output.js';
import type { BytePath } from '../paths.js';
import { jsonMember, ndjsonLine } from './json.js';
import { bsdLine, gnuLine } from './lines.js';

/** Output formats. */
export type Format = 'gnu' | 'bsd' | 'json' | 'ndjson';

const DIGEST = 64;

/**
 * Paths and digests of a run, compactly: one byte-string per path and one growing Buffer of
 * 64-byte digests (a million files take ~64 MiB of digests, not a million objects).
 */
export class DigestStore {
  readonly paths: BytePath[] = [];
  #digests = Buffer.allocUnsafe(DIGEST * 1024);

  add(path: BytePath, digests: Buffer, offset: number): void {
    const at = this.paths.length * DIGEST;
    if (at + DIGEST > this.#digests.length) {
      const bigger = Buffer.allocUnsafe(this.#digests.length * 2);
      this.#digests.copy(bigger, 0, 0, at);
      this.#digests = bigger;
    }
    digests.copy(this.#digests, at, offset, offset + DIGEST);
    this.paths.push(path);
  }

  get size(): number {
    return this.paths.length;
  }

  /** Digest `i` in lowercase hex. */
  hex(i: number): string {
    return this.#digests.toString('hex', i * DIGEST, i * DIGEST + DIGEST);
  }

  /** Indices in bytewise path order (byte strings compare by char code, i.e. by byte). */
  sorted(): Uint32Array {
    const paths = this.paths;
    const order = new Uint32Array(paths.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return order.sort((a, b) => (paths[a]! < paths[b]! ? -1 : paths[a]! > paths[b]! ? 1 : a - b));
  }
}

/** The line of one file in a line format. */
export function lineOf(format: Exclude<Format, 'json'>, path: BytePath, hex: string): string {
  if (format === 'gnu') return gnuLine(path, hex);
  if (format === 'bsd') return bsdLine(path, hex);
  return ndjsonLine(path, hex);
}

/** Prints a store sorted by path. */
export function writeSorted(store: DigestStore, format: Format, out: Output): void {
  const order = store.sorted();
  if (format === 'json') return writeJson(store, order, out);
  const encoding = format === 'ndjson' ? 'utf8' : 'latin1';
  for (const i of order) out.write(lineOf(format, store.paths[i]!, store.hex(i)), encoding);
}

function writeJson(store: DigestStore, order: Uint32Array, out: Output): void {
  // An object cannot hold a key twice (`digest-tree a a`): keep the first of equal paths.
  const unique = order.filter((i, k) => k === 0 || store.paths[i] !== store.paths[order[k - 1]!]);
  if (unique.length === 0) return out.write('{}\n', 'utf8');
  out.write('{\n', 'utf8');
  unique.forEach((i, k) => out.write(`  ${jsonMember(store.paths[i]!, store.hex(i))}${k + 1 < unique.length ? ',' : ''}\n`, 'utf8'));
  out.write('}\n', 'utf8');
}
