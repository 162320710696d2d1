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
 *
 * Big views (at least {@link SIDE_MIN_BYTES}) can leave the message: with a `side` list, the
 * encoder writes only their class and length and lists their bytes there, for a channel of raw
 * bytes beside IPC (side-channel.ts); the decoder then allocates each one's memory and lists it
 * in `fills`, to be filled from that channel, in the same order, before the message is used.
 * With a side file (side-file.ts), big views go there first, when it has room: the encoder writes
 * their bytes into it and their position in the message, the decoder reads them back at once.
 */
import { Deserializer, Serializer } from 'node:v8';
import { takeMemory } from './recycled-memory.js';
import type { SideFile } from './side-file.js';

/**
 * Views of at least this many bytes travel on the side channel when there is one. Below it the
 * extra write and read cost more than serializing the bytes inline.
 */
export const SIDE_MIN_BYTES = 32 * 1024;
/** Set in a view's wire index when its bytes travel on the side channel. */
const SIDE_FLAG = 0x80;
/** Set in a view's wire index when its bytes are in the side file (side-file.ts); its position follows. */
const FILE_FLAG = 0x40;

/** Where the bytes of one big view are, to be written on the side channel with its message. */
export interface SideChunk {
  buffer: ArrayBufferLike;
  offset: number;
  length: number;
  /** The memory was moved here by move(): it can be written as it is (nobody else uses it). */
  moved: boolean;
}

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

  /**
   * @param side where big views' bytes go (null: every view inline)
   * @param moved ArrayBuffers marked by move() in this message (their memory is ours to write)
   * @param file where big views' bytes go first, when there is room (null: no side file)
   */
  constructor(
    private readonly side: SideChunk[] | null = null,
    private readonly moved: ReadonlySet<ArrayBufferLike> | null = null,
    private readonly file: SideFile | null = null,
  ) {
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
    if (this.file !== null && object.byteLength >= SIDE_MIN_BYTES) {
      const index = viewIndex(object);
      const position = this.file.write(new Uint8Array(object.buffer, object.byteOffset, object.byteLength));
      if (position >= 0) {
        this.writeUint32(index | FILE_FLAG);
        this.writeUint32(object.byteLength);
        this.writeDouble(position);
        return;
      }
    }
    if (this.side !== null && object.byteLength >= SIDE_MIN_BYTES) {
      this.writeUint32(viewIndex(object) | SIDE_FLAG);
      this.writeUint32(object.byteLength);
      this.side.push({ buffer: object.buffer, offset: object.byteOffset, length: object.byteLength, moved: this.moved?.has(object.buffer) ?? false });
      return;
    }
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
  /**
   * @param fills where to list the memory of views whose bytes come on the side channel (null: none may)
   * @param file the side file that views' bytes may be in (null: none may)
   */
  constructor(
    bytes: Uint8Array,
    private readonly fills: Buffer[] | null,
    private readonly file: SideFile | null = null,
  ) {
    super(bytes);
  }

  _readHostObject(): ArrayBufferView {
    const index = this.readUint32();
    const Ctor: ViewClass | undefined = VIEW_CLASSES[index & ~(SIDE_FLAG | FILE_FLAG)];
    const byteLength = this.readUint32();
    if (Ctor === undefined) throw new Error('mpool: corrupt message (unknown typed array class)');
    const onSide = (index & SIDE_FLAG) !== 0;
    const inFile = (index & FILE_FLAG) !== 0;
    if (onSide && this.fills === null) throw new Error('mpool: corrupt message (bytes on a side channel this message did not come with)');
    if (inFile && this.file === null) throw new Error('mpool: corrupt message (bytes in a side file this message did not come with)');
    // An ArrayBuffer of exactly these bytes, ours alone (fresh, or moved memory we wrote out
    // already: recycled-memory.ts): the view must not keep the message alive.
    const copy = takeMemory(byteLength);
    if (inFile) this.file!.read(this.readDouble(), copy);
    else if (onSide) this.fills!.push(copy);
    else copy.set(this.readRawBytes(byteLength));
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

/**
 * Encodes one message for the IPC channel. Throws DataCloneError (synchronously) for a value that
 * cannot be sent. With `side`, big views' bytes are listed there instead (see SIDE_MIN_BYTES);
 * `moved` names the ArrayBuffers whose memory move() gave us.
 */
export function encodeMessage(
  message: unknown,
  side: SideChunk[] | null = null,
  moved: ReadonlySet<ArrayBufferLike> | null = null,
  file: SideFile | null = null,
): Buffer | string {
  const serializer = new MessageSerializer(side, moved, file);
  serializer.writeHeader();
  // With a side file, every message says how far this end has read the other's half of it.
  if (file !== null) serializer.writeDouble(file.consumed);
  serializer.writeValue(message);
  const bytes = serializer.releaseBuffer();
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

/**
 * Decodes a message made by {@link encodeMessage} or {@link encodeBytes}. Throws if it is not one.
 * With `fills`, views whose bytes come on the side channel are listed there, in order, to be
 * filled before the message is used; without it such a message is refused.
 */
export function decodeMessage(wire: unknown, fills: Buffer[] | null = null, file: SideFile | null = null): unknown {
  const bytes = typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('not an mpool message');
  const deserializer = new MessageDeserializer(bytes, fills, file);
  deserializer.readHeader();
  if (file !== null) file.acknowledge(deserializer.readDouble());
  return deserializer.readValue();
}

/** Throws what {@link encodeMessage} would throw for a message holding `value`. */
export function assertSendable(value: unknown): void {
  const serializer = new MessageSerializer();
  serializer.writeHeader();
  serializer.writeValue(value);
}
