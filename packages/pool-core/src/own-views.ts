/**
 * Typed arrays that own exactly their bytes. Structured cloning copies a view's whole underlying
 * ArrayBuffer: a 3-byte Buffer from Node's 8 KiB allocation pool arrives with that whole pool
 * (other data of the sender included), a `subarray` arrives with its parent array. Keeping a few
 * such results alive then retains far more memory than they hold. A backend whose channel clones
 * this way (threads) passes each received message through {@link ownViews}.
 */

import { WalkGuard } from './walk-guard.js';

/** A copy of `view` on an ArrayBuffer of exactly its bytes (same class; a Buffer stays a Buffer). */
function ownedCopy(view: ArrayBufferView): ArrayBufferView {
  // allocUnsafeSlow: never from Node's shared pool, and not zero-filled (it is overwritten at once).
  const copy = Buffer.allocUnsafeSlow(view.byteLength);
  copy.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const bytes = copy.buffer as ArrayBuffer;
  if (view instanceof DataView) return new DataView(bytes);
  if (Buffer.isBuffer(view)) return Buffer.from(bytes);
  const Ctor = view.constructor as new (buffer: ArrayBuffer) => ArrayBufferView;
  return new Ctor(bytes);
}

/** True when `view` must be copied: it sees only part of an ordinary (not shared) ArrayBuffer. */
function needsCopy(view: ArrayBufferView): boolean {
  return (view.byteOffset !== 0 || view.buffer.byteLength !== view.byteLength) && !(view.buffer instanceof SharedArrayBuffer);
}

/**
 * Replaces, in place, every typed array / DataView in `message` that sees only part of its
 * ArrayBuffer by a copy of exactly its bytes, and returns the message (or the copy, if the message
 * itself is such a view). Views on a SharedArrayBuffer are left alone: sharing is their point.
 * Walks plain objects, arrays, Maps and Sets once each (cycles included): O(size of the message),
 * next to nothing for messages of numbers and strings. Two views of one buffer become two copies.
 */
export function ownViews<T>(message: T): T {
  if (typeof message !== 'object' || message === null) return message;
  if (ArrayBuffer.isView(message)) return (needsCopy(message) ? ownedCopy(message) : message) as T;
  const stack: object[] = [message];
  // Walking a container twice is harmless: its views own their bytes after the first time.
  const guard = new WalkGuard();
  /** Returns the replacement of `value` if it is a view to copy; queues containers. */
  const visit = (value: unknown): ArrayBufferView | undefined => {
    if (typeof value !== 'object' || value === null) return undefined;
    if (ArrayBuffer.isView(value)) return needsCopy(value) ? ownedCopy(value) : undefined;
    stack.push(value);
    return undefined;
  };
  while (stack.length > 0) {
    const container = stack.pop()!;
    if (!guard.enter(container)) continue;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const copy = visit(container[i]);
        if (copy) container[i] = copy;
      }
    } else if (container instanceof Map) {
      const newKeys: Array<[unknown, ArrayBufferView]> = [];
      for (const [key, value] of container) {
        const valueCopy = visit(value);
        if (valueCopy) container.set(key, valueCopy); // an existing key: keeps its place
        const keyCopy = visit(key);
        if (keyCopy) newKeys.push([key, keyCopy]);
      }
      for (const [key, keyCopy] of newKeys) {
        const value = container.get(key);
        container.delete(key);
        container.set(keyCopy, value);
      }
    } else if (container instanceof Set) {
      const replaced: Array<[unknown, unknown]> = [];
      for (const value of container) {
        const copy = visit(value);
        if (copy) replaced.push([value, copy]);
      }
      for (const [value, copy] of replaced) {
        container.delete(value);
        container.add(copy);
      }
    } else {
      // A cloned object: own enumerable fields only (clones have no other).
      const record = container as Record<string, unknown>;
      for (const key in record) {
        const copy = visit(record[key]);
        if (copy) record[key] = copy;
      }
    }
  }
  return message;
}
