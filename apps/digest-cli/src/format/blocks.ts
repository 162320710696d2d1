/**
 * GNU and BSD lines written straight from a DigestStore into 64 KiB blocks of bytes: no string
 * per line. A million lines built as strings (path, hex, line) allocate ~0.5 GB of short-lived
 * strings, and V8 answers such a rate by growing the main thread's young generation to 32 MiB,
 * at the moment the store is fullest. A name that needs escaping takes the string path.
 *
 * With the native addon the lines are written by sha512-native's `writeDigestLines` (the same
 * bytes; it leaves each line that needs escaping to the string path here): in JS a line costs
 * ~0.5-0.75 µs, most of it in V8's slow tiers, and this is the serial tail of every run (200,000
 * empty files: ~0.15 s of the main thread in a CPU profile). Without the addon, the loop below.
 */
import * as native from '@mpool/sha512-native';
import type { Output } from '../output.js';
import type { DigestStore } from '../store.js';
import { bsdLine, gnuLine } from './lines.js';

const BLOCK = 1 << 16;
/** Output block of the native writer: fewer, bigger calls (each passes the store's arrays). */
const NATIVE_BLOCK = 1 << 20;
const BSD_OPEN = Buffer.from('SHA512 (', 'latin1');
const BSD_CLOSE = Buffer.from(') = ', 'latin1');

/**
 * Writes the lines of `order` in GNU (`hex  path`) or BSD (`SHA512 (path) = hex`) format.
 * `writer`: the native line writer, null for the JS loop (tests compare the two).
 */
export function writeLineBlocks(store: DigestStore, order: Uint32Array, format: 'gnu' | 'bsd', out: Output, writer = native.writeDigestLines): void {
  if (writer) return writeNative(writer, store, order, format, out);
  let block = Buffer.allocUnsafe(BLOCK);
  let at = 0;
  const flush = () => {
    if (at > 0) out.writeBytes(block.subarray(0, at));
    at = 0;
  };
  for (const i of order) {
    // Longest line: BSD decoration (12) + 128 hex digits + the path + newline.
    const room = store.pathLength(i) + 142;
    if (at + room > block.length) {
      flush();
      if (room > block.length) block = Buffer.allocUnsafe(room);
    }
    const start = at;
    let special: boolean;
    if (format === 'gnu') {
      store.copyHex(i, block, at);
      block[at + 128] = 0x20;
      block[at + 129] = 0x20;
      special = store.copyPath(i, block, at + 130);
      at += 130 + store.pathLength(i);
    } else {
      BSD_OPEN.copy(block, at);
      special = store.copyPath(i, block, at + BSD_OPEN.length);
      at += BSD_OPEN.length + store.pathLength(i);
      BSD_CLOSE.copy(block, at);
      store.copyHex(i, block, at + BSD_CLOSE.length);
      at += BSD_CLOSE.length + 128;
    }
    block[at++] = 0x0a;
    if (special) {
      // Rare: redo this line with the escaping of lines.ts.
      const line = format === 'gnu' ? gnuLine(store.path(i), store.hex(i)) : bsdLine(store.path(i), store.hex(i));
      at = start;
      if (at + line.length > block.length) {
        flush();
        if (line.length > block.length) block = Buffer.allocUnsafe(line.length);
      }
      at += block.write(line, at, 'latin1');
    }
  }
  flush();
}

type NativeWriter = NonNullable<typeof native.writeDigestLines>;

function writeNative(writer: NativeWriter, store: DigestStore, order: Uint32Array, format: 'gnu' | 'bsd', out: Output): void {
  if (order.length === 0) return;
  const layout = store.layout();
  const block = Buffer.allocUnsafe(NATIVE_BLOCK);
  for (let next = 0; next < order.length; ) {
    const r = writer(order, next, layout, format === 'bsd', block);
    // Output#writeBytes writes (or copies) at once, so the block can be reused, as above.
    if (r.written > 0) out.writeBytes(block.subarray(0, r.written));
    next = r.next;
    if (r.byJs) {
      // Rare: a path to escape, or a line longer than the block (lines.ts writes it).
      const i = order[next++]!;
      out.write(format === 'gnu' ? gnuLine(store.path(i), store.hex(i)) : bsdLine(store.path(i), store.hex(i)), 'latin1');
    }
  }
}
