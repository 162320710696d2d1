/**
 * Forwarding of a child's stdout/stderr through the parent's own streams, whole lines at a time.
 *
 * Why lines: if children wrote to the parent's stdout fd directly (`stdio: 'inherit'`), a child's
 * write could land in the middle of a line the parent is writing (writes to a pipe are atomic only
 * up to PIPE_BUF, and nothing orders two processes' writes anyway). Here only the parent writes to
 * its streams, and every write it makes on a child's behalf ends at a newline, so a line of the
 * parent and a line of a child can follow each other but never mix.
 *
 * Why no backpressure: a child's lines are written like the parent's own `console.log` (Node
 * buffers them if the consumer of the parent's stdout is slow). Pausing the child's pipe instead
 * would block the child in `write()` (its pipes are blocking, see worker.ts) and stall its tasks
 * for as long as the parent keeps its own stream busy.
 */
import type { Readable, Writable } from 'node:stream';

/** A line longer than this is written in pieces of this size, each ended by a newline (bounds memory). */
export const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const NEWLINE_BUFFER = Buffer.from('\n');

/**
 * Copies `source` to `target` in whole lines. Bytes after the last newline are held until the
 * next newline or the end of `source`; at the end, a last unterminated line gets a newline so the
 * parent's next line starts on a line of its own. Splitting on the byte 0x0A is safe for UTF-8
 * (it never occurs inside a multi-byte character).
 */
export function forwardLines(source: Readable, target: Writable): void {
  let held: Buffer[] = [];
  let heldBytes = 0;
  const flushHeld = () => {
    if (heldBytes === 0) return;
    target.write(Buffer.concat([...held, NEWLINE_BUFFER]));
    held = [];
    heldBytes = 0;
  };
  source.on('data', (chunk: Buffer) => {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes >= MAX_LINE_BYTES) flushHeld();
      return;
    }
    const lines = chunk.subarray(0, last + 1);
    target.write(heldBytes === 0 ? lines : Buffer.concat([...held, lines]));
    held = [];
    heldBytes = 0;
    if (last + 1 < chunk.length) {
      held.push(chunk.subarray(last + 1));
      heldBytes = chunk.length - last - 1;
    }
  });
  // 'end' normally; 'close' / 'error' when the pipe is torn down: what was read is still forwarded.
  source.on('end', flushHeld);
  source.on('close', flushHeld);
  source.on('error', flushHeld);
}
