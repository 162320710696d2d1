/**
 * Collecting digests and printing them in one of the output formats. Results arrive in
 * completion order; every format but NDJSON is printed sorted by path (bytewise), so the output
 * is the same whatever the backend, the number of workers or the timing.
 */
import type { Output } from '../output.js';
import type { BytePath } from '../paths.js';
import type { DigestStore } from '../store.js';
import { jsonMember, ndjsonLine } from './json.js';
import { writeLineBlocks } from './blocks.js';
import { bsdLine, gnuLine } from './lines.js';

/** Output formats. */
export type Format = 'gnu' | 'bsd' | 'json' | 'ndjson';

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
  if (format !== 'ndjson') return writeLineBlocks(store, order, format, out);
  const encoding = format === 'ndjson' ? 'utf8' : 'latin1';
  for (const i of order) out.write(lineOf(format, store.path(i), store.hex(i)), encoding);
}

function writeJson(store: DigestStore, order: Uint32Array, out: Output): void {
  // An object cannot hold a key twice (`digest-tree a a`): keep the first of equal paths.
  if (order.length === 0) return out.write('{}\n', 'utf8');
  out.write('{\n', 'utf8');
  let previous: BytePath | null = null;
  let member = '';
  for (const i of order) {
    const path = store.path(i);
    if (path === previous) continue;
    // Each member is written once the next is known, to put the comma on the right line.
    if (previous !== null) out.write(`  ${member},\n`, 'utf8');
    member = jsonMember(path, store.hex(i));
    previous = path;
  }
  out.write(`  ${member}\n}\n`, 'utf8');
}
