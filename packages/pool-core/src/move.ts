/**
 * `move(value)`: mark a binary value for transfer instead of copy (as piscina's `move`). The mark
 * lives on the value's ArrayBuffer, in a registry outside the value, so `move` returns the very
 * value it was given (same type, usable anywhere, also outside a pool) and the mark follows the
 * memory wherever the value sits: an argument, a map item, a result, nested in arrays, objects,
 * Maps and Sets. A transport collects the marked buffers of a message when it sends it
 * ({@link takeMoved}) and detaches them from the sender.
 *
 * The registry is kept on `globalThis` under a `Symbol.for` key: a task module may load another
 * copy of pool-core (the CommonJS build, a second install) than the worker's loop, and a mark made
 * through one copy must be seen by the other.
 */

import { WalkGuard } from './walk-guard.js';

/**
 * One mark. `live` goes false when the buffer is sent (unmark) or collected unsent (finalizer),
 * whichever comes first, so `pending` is decremented exactly once per mark.
 */
interface Mark {
  live: boolean;
}

interface MoveRegistry {
  /** ArrayBuffers marked by move() and not yet sent. */
  readonly marks: WeakMap<ArrayBuffer, Mark>;
  /** How many of them are alive: while 0, sending skips the search for marks altogether. */
  pending: number;
  /**
   * A mark whose buffer was collected without being sent no longer counts. Registered without an
   * unregister token (a token costs ~3 µs a mark and an unmark, most of a 1 MiB transfer's
   * overhead): a sent mark stays registered and its finalizer finds it no longer live.
   */
  readonly finalizer: FinalizationRegistry<Mark>;
}

/** Versioned: another copy of pool-core with another registry shape keeps its own. */
const REGISTRY_KEY = Symbol.for('mpool.move-registry.v2');

function registry(): MoveRegistry {
  const global = globalThis as { [REGISTRY_KEY]?: MoveRegistry };
  let found = global[REGISTRY_KEY];
  if (!found) {
    const made: MoveRegistry = {
      marks: new WeakMap(),
      pending: 0,
      finalizer: new FinalizationRegistry((mark) => {
        if (!mark.live) return;
        mark.live = false;
        made.pending--;
      }),
    };
    found = global[REGISTRY_KEY] = made;
  }
  return found;
}

const moves = registry();

/** What move() accepts. */
export type Movable = ArrayBuffer | ArrayBufferView;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value !== 'object' && typeof value !== 'function') return `${typeof value} ${String(value)}`;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== tag ? `${tag} (${name})` : tag;
}

/**
 * Marks `value` for transfer to the other side instead of a copy, and returns it:
 * `pool.apply(task, [move(bytes)])`, or `return move(result)` in a task.
 *
 * - On threads the memory itself goes to the other side (postMessage's transfer list); the
 *   sender's ArrayBuffer is detached (`byteLength` 0) once the message is sent.
 * - On processes the bytes are copied out of the moved memory once (processes share no memory),
 *   and the sender's ArrayBuffer is detached too, so code behaves the same on both backends; the
 *   memory then serves again for the next buffer of its size that comes in.
 * - On a remote backend (BullMQ) the value is copied, as every value that crosses Redis is, and
 *   the sender's copy is left as it was.
 *
 * A view that sees only part of its ArrayBuffer (a small `Buffer` from Node's shared 8 KiB pool, a
 * `subarray`) cannot be moved without detaching the memory of every other view on that buffer:
 * `move` returns a copy of exactly its bytes (marked for transfer) and leaves the original alone,
 * so use the value `move` returns. Moving the same buffer twice is harmless (it is marked once).
 * @throws TypeError if `value` is not an ArrayBuffer, a typed array, a Buffer or a DataView, or
 *   if it is (or views) a SharedArrayBuffer, which is shared between threads, never moved.
 */
export function move<T extends Movable>(value: T): T {
  if (value instanceof ArrayBuffer) {
    mark(value);
    return value;
  }
  if (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer) throw sharedError(value);
  if (!ArrayBuffer.isView(value)) {
    throw new TypeError(`move() takes an ArrayBuffer, a typed array, a Buffer or a DataView, got ${describe(value)}`);
  }
  const buffer = value.buffer;
  if (!(buffer instanceof ArrayBuffer)) throw sharedError(value);
  if (value.byteOffset === 0 && value.byteLength === buffer.byteLength) {
    mark(buffer);
    return value;
  }
  const copy = ownedCopy(value);
  mark(copy.buffer as ArrayBuffer);
  return copy as T;
}

function sharedError(value: unknown): TypeError {
  return new TypeError(
    `move() cannot move a SharedArrayBuffer (got ${describe(value)}): shared memory is never moved. Threads share it as it is (pass it without move()); ` +
      'it cannot be sent to another process at all (send a copy)',
  );
}

function mark(buffer: ArrayBuffer): void {
  if (moves.marks.has(buffer)) return;
  const entry: Mark = { live: true };
  moves.marks.set(buffer, entry);
  moves.pending++;
  moves.finalizer.register(buffer, entry);
}

/** A copy of `view` on an ArrayBuffer of exactly its bytes (same class; a Buffer stays a Buffer). */
function ownedCopy(view: ArrayBufferView): ArrayBufferView {
  const copy = Buffer.allocUnsafeSlow(view.byteLength);
  copy.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const bytes = copy.buffer as ArrayBuffer;
  if (Buffer.isBuffer(view)) return copy;
  if (view instanceof DataView) return new DataView(bytes);
  return new (view.constructor as new (buffer: ArrayBuffer) => ArrayBufferView)(bytes);
}

/** True if `buffer` is marked by move() and not yet sent. */
export function isMoved(buffer: ArrayBufferLike): boolean {
  return moves.pending > 0 && buffer instanceof ArrayBuffer && moves.marks.has(buffer);
}

/** Forgets the mark of `buffer` (it is being sent). */
export function unmark(buffer: ArrayBuffer): void {
  if (moves.pending === 0) return;
  const entry = moves.marks.get(buffer);
  if (entry === undefined) return;
  moves.marks.delete(buffer);
  if (!entry.live) return;
  entry.live = false;
  moves.pending--;
}

/**
 * The marked ArrayBuffers reachable from `message` (through arrays, objects, Maps and Sets, as
 * structured clone reaches them), each once, and forgets their marks: the caller sends `message`
 * with them in its transfer list. Returns `[]` at once while nothing is marked (the common case),
 * so a message costs nothing more; otherwise O(size of the message), as its cloning is.
 */
export function takeMoved(message: unknown): ArrayBuffer[] {
  try {
    return collect(message);
  } catch {
    // A getter threw while we looked: sending the message will throw the same, and say where.
    return [];
  }
}

function collect(message: unknown): ArrayBuffer[] {
  if (moves.pending === 0 || typeof message !== 'object' || message === null) return [];
  const found: ArrayBuffer[] = [];
  const stack: object[] = [message];
  const guard = new WalkGuard();
  const push = (value: unknown) => {
    if (typeof value === 'object' && value !== null) stack.push(value);
  };
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (!guard.enter(value)) continue;
    let buffer: ArrayBufferLike | null = null;
    if (value instanceof ArrayBuffer) buffer = value;
    else if (ArrayBuffer.isView(value)) buffer = value.buffer;
    else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) push(value[i]);
    else if (value instanceof Map) for (const [k, v] of value) push(k), push(v);
    else if (value instanceof Set) for (const v of value) push(v);
    else for (const key of Object.keys(value)) push((value as Record<string, unknown>)[key]);
    if (buffer instanceof ArrayBuffer && moves.marks.has(buffer)) {
      unmark(buffer);
      found.push(buffer);
    }
  }
  return found;
}

/**
 * Detaches `buffer` from the sender without copying it (a `structuredClone` transfer), for a
 * channel that copies the bytes itself but must leave the sender as a transfer would. Returns the
 * new ArrayBuffer that now owns the memory.
 */
export function detach(buffer: ArrayBuffer): ArrayBuffer {
  return structuredClone(buffer, { transfer: [buffer] });
}
