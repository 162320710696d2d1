/**
 * Forwarding of a child's stdout/stderr through the parent's own streams, whole lines at a time.
 *
 * Why lines: if children wrote to the parent's stdout fd directly (`stdio: 'inherit'`), a child's
 * write could land in the middle of a line the parent is writing (writes to a pipe are atomic only
 * up to PIPE_BUF, and nothing orders two processes' writes anyway). Here only the parent writes to
 * its streams, and every write it makes on a child's behalf ends at a newline, so a line of the
 * parent and a line of a child can follow each other but never mix.
 */
import type { Readable, Writable } from 'node:stream';

/** A line longer than this is written in pieces of this size, each ended by a newline (bounds memory). */
export const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** Sources paused because their target's buffer is full, resumed together on its `drain`. */
const pausedBy = new Map<Writable, Set<Readable>>();

function write(target: Writable, source: Readable, data: Buffer): void {
  if (target.write(data) || target.destroyed) return;
  // Backpressure (an async target such as a slow TTY on Windows): stop reading the child until the
  // target drains; one shared listener per target, whatever the number of children.
  source.pause();
  let paused = pausedBy.get(target);
  if (!paused) {
    const waiting = new Set<Readable>();
    pausedBy.set(target, (paused = waiting));
    target.once('drain', () => {
      pausedBy.delete(target);
      for (const s of waiting) s.resume();
    });
  }
  paused.add(source);
}

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
    write(target, source, Buffer.concat([...held, Buffer.from('\n')]));
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
    write(target, source, heldBytes === 0 ? lines : Buffer.concat([...held, lines]));
    held = [];
    heldBytes = 0;
    if (last + 1 < chunk.length) {
      held.push(chunk.subarray(last + 1));
      heldBytes = chunk.length - last - 1;
    }
  });
  source.on('end', flushHeld);
  source.on('close', flushHeld);
  // A read error means the child's end is gone; what was read is still forwarded.
  source.on('error', flushHeld);
}
