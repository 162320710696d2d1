/**
 * Memory given to us by move() and already written out, reused for the next incoming view of the
 * same size. A 1 MiB view echoed back and forth (`return move(buf)`) then needs no allocation at
 * all: a fresh 1 MiB ArrayBuffer costs 256 page faults on first touch and a munmap when it dies,
 * more than copying its bytes.
 *
 * Safe because moved memory is ours alone: move() detached it from the sender, and we only take
 * it back once its bytes are written out (into the side file, synchronously). Bounded: at most
 * {@link MAX_KEPT} buffers and {@link MAX_KEPT_BYTES} bytes are kept (the oldest go first), so an
 * idle process holds at most that much.
 */

/** How many buffers are kept at most. */
export const MAX_KEPT = 4;
/** How many bytes are kept at most, all buffers together. */
export const MAX_KEPT_BYTES = 32 * 1024 * 1024;

const kept: ArrayBuffer[] = [];
let keptBytes = 0;

/** Keeps `memory` (ours alone, nothing reads or writes it any more) for a later {@link takeMemory}. */
export function giveBack(memory: ArrayBuffer): void {
  const n = memory.byteLength;
  if (n === 0 || n > MAX_KEPT_BYTES) return;
  kept.push(memory);
  keptBytes += n;
  while (kept.length > MAX_KEPT || keptBytes > MAX_KEPT_BYTES) keptBytes -= kept.shift()!.byteLength;
}

/** A Buffer of exactly `byteLength` bytes (contents undefined): kept memory if some has that size, else new. */
export function takeMemory(byteLength: number): Buffer {
  for (let i = kept.length - 1; i >= 0; i--) {
    if (kept[i]!.byteLength !== byteLength) continue;
    const [memory] = kept.splice(i, 1);
    keptBytes -= byteLength;
    return Buffer.from(memory!);
  }
  // allocUnsafeSlow: never from Node's shared pool, and not zero-filled (it is overwritten at once).
  return Buffer.allocUnsafeSlow(byteLength);
}
