/**
 * The encoding of pool messages between processes. Every message travels as one Buffer made by
 * a V8 serializer of our own (the IPC channel's 'advanced' serialization then only copies bytes).
 *
 * Why not let the channel serialize the message itself? Node's channel serializer differs from
 * the structured clone that threads use in two ways, both silent:
 * - it turns host objects it cannot clone (a MessagePort, a KeyObject, a Blob, a socket handle)
 *   into plain `{}` copies, where structured clone throws a DataCloneError;
 * - its deserializer makes every typed array a view into the message buffer: a returned
 *   `Float64Array(2)` keeps the whole 8 KiB (or 300 MB) message alive, other items' bytes included.
 * Here host objects throw DataCloneError as on threads (as do functions and symbols: V8's own
 * rule), a SharedArrayBuffer throws with the reason (processes cannot share memory), and each
 * decoded typed array, Buffer and DataView gets an ArrayBuffer of exactly its bytes.
 *
 * Cost: one more copy of the encoded bytes each way (a memcpy, next to the serialization itself);
 * see the package README for measurements.
 */
import { Deserializer, Serializer } from 'node:v8';

/** View classes by wire index. Buffer is its own entry so that a Buffer stays a Buffer. */
const VIEW_CLASSES = [
  Buffer,
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
] as const;
type ViewClass = (typeof VIEW_CLASSES)[number];
const VIEW_INDEX = new Map<Function, number>(VIEW_CLASSES.map((c, i) => [c, i]));

const dataCloneError = (message: string) => new DOMException(message, 'DataCloneError');

/** Wire index of a view's class; a subclass (other than Buffer) travels as its built-in base. */
function viewIndex(view: ArrayBufferView): number {
  for (let proto = Object.getPrototypeOf(view); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const index = VIEW_INDEX.get(proto.constructor);
    if (index !== undefined) return index;
  }
  throw dataCloneError(`${Object.prototype.toString.call(view)} could not be cloned.`);
}

/** The documented `v8.Serializer` hooks (https://nodejs.org/api/v8.html#class-v8serializer) that @types/node omits. */
class MessageSerializer extends Serializer {
  declare _setTreatArrayBufferViewsAsHostObjects: (flag: boolean) => void;

  constructor() {
    super();
    // Views come to _writeHostObject: written as their own bytes only, never their whole buffer.
    this._setTreatArrayBufferViewsAsHostObjects(true);
  }

  _writeHostObject(object: object): void {
    if (!ArrayBuffer.isView(object)) {
      const name = (object.constructor as { name?: string } | undefined)?.name || 'host object';
      throw dataCloneError(`#<${name}> could not be cloned: only plain data can be sent to another process.`);
    }
    if (object.buffer instanceof SharedArrayBuffer) throw sharedMemoryError();
    this.writeUint32(viewIndex(object));
    this.writeUint32(object.byteLength);
    this.writeRawBytes(new Uint8Array(object.buffer, object.byteOffset, object.byteLength));
  }

  _getSharedArrayBufferId(): number {
    throw sharedMemoryError();
  }

  _getDataCloneError(message: string): Error {
    return dataCloneError(message);
  }
}

function sharedMemoryError(): DOMException {
  return dataCloneError(
    '#<SharedArrayBuffer> could not be cloned: a SharedArrayBuffer cannot be sent to another process ' +
      '(memory can be shared between threads only: use ThreadPool, or send a copy).',
  );
}

class MessageDeserializer extends Deserializer {
  _readHostObject(): ArrayBufferView {
    const Ctor: ViewClass | undefined = VIEW_CLASSES[this.readUint32()];
    const byteLength = this.readUint32();
    if (Ctor === undefined) throw new Error('mpool: corrupt message (unknown typed array class)');
    // A fresh ArrayBuffer of exactly these bytes: the view must not keep the message alive.
    // allocUnsafeSlow: never from Node's shared pool, and not zero-filled (it is overwritten at once).
    const copy = Buffer.allocUnsafeSlow(byteLength);
    copy.set(this.readRawBytes(byteLength));
    const bytes = copy.buffer as ArrayBuffer;
    if (Ctor === Buffer) return Buffer.from(bytes);
    if (Ctor === DataView) return new DataView(bytes);
    return new (Ctor as new (buffer: ArrayBuffer) => ArrayBufferView)(bytes);
  }
}

/**
 * Encoded messages up to this size travel as latin1 strings: the channel's serializer copies a
 * string natively, while a Buffer costs it a JavaScript callback each way (a few microseconds,
 * most of the cost of a small message). Larger ones travel as Buffers (one copy less).
 */
const STRING_MAX_BYTES = 4096;

/** Encodes one message for the IPC channel. Throws DataCloneError (synchronously) for a value that cannot be sent. */
export function encodeMessage(message: unknown): Buffer | string {
  const bytes = encodeBytes(message);
  return bytes.length <= STRING_MAX_BYTES ? bytes.toString('latin1') : bytes;
}

/**
 * Encodes `value` as bytes, for channels other than IPC (a broker: @mpool/pool-bullmq); decode
 * with {@link decodeMessage}. Throws DataCloneError (synchronously) for a value that cannot be sent.
 */
export function encodeBytes(value: unknown): Buffer {
  const serializer = new MessageSerializer();
  serializer.writeHeader();
  serializer.writeValue(value);
  return serializer.releaseBuffer();
}

/** Decodes a message made by {@link encodeMessage}. Throws if it is not one. */
export function decodeMessage(wire: unknown): unknown {
  const bytes = typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('not an mpool message');
  const deserializer = new MessageDeserializer(bytes);
  deserializer.readHeader();
  return deserializer.readValue();
}

/** Throws what {@link encodeMessage} would throw for a message holding `value`. */
export function assertSendable(value: unknown): void {
  const serializer = new MessageSerializer();
  serializer.writeHeader();
  serializer.writeValue(value);
}
