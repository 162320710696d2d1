/**
 * The bytes of big typed arrays, Buffers and DataViews travel on a socket of raw bytes beside the
 * IPC channel (an extra stdio pipe of the child: a socketpair, closed by the kernel when either
 * process dies, so a crash leaves nothing behind: no temporary file, no shared-memory segment).
 *
 * Why: Node's IPC channel serializes each message again and reassembles it from many reads
 * before our decoder copies the bytes out once more; a 1 MiB Buffer went through five copies and
 * two serializers each way. Here the message itself stays small (the view's class and length) and
 * the bytes take three copies: into the socket (none for memory moved by move()), out of it, and
 * into the view's own ArrayBuffer.
 *
 * Where there is a side file (side-file.ts, Linux), big views go there first and take the socket
 * only when it has no room.
 *
 * Order: each side writes a message's chunks right after the message, and both channels keep
 * their order, so the chunks on the socket belong to the messages in the order they came. A
 * message is delivered once all its chunks have arrived, and never before an earlier message.
 */
import type { Duplex } from 'node:stream';
import { Deque, detach, takeMoved } from '@mpool/pool-core';
import { giveBack } from './recycled-memory.js';
import type { SideFile } from './side-file.js';
import { decodeMessage, encodeMessage, type SideChunk } from './wire-codec.js';

interface Waiting {
  message: unknown;
  /** Chunks of this message not yet filled. */
  missing: number;
}

interface Fill {
  memory: Buffer;
  filled: number;
  owner: Waiting;
}

/** Both directions of one side channel, on either end (parent or child). */
export class SideChannel {
  readonly #socket: Duplex;
  readonly #deliver: (message: unknown) => void;
  readonly #waiting = new Deque<Waiting>();
  readonly #fills = new Deque<Fill>();
  /** Bytes that arrived before the message that describes them. */
  readonly #early = new Deque<Buffer>();

  readonly #file: SideFile | null;

  /**
   * @param deliver called with each decoded message, in order, once its bytes are all there
   * @param file the memory file shared with the other end (side-file.ts), where big views go
   *   first when it has room; both ends must have one, or neither
   */
  constructor(socket: Duplex, deliver: (message: unknown) => void, file: SideFile | null = null) {
    this.#socket = socket;
    this.#deliver = deliver;
    this.#file = file;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    // The other end died (EPIPE, ECONNRESET): its exit is reported by the IPC side, and a
    // message whose bytes never came is failed with the worker's other tasks.
    socket.on('error', () => undefined);
  }

  /** Bytes handed to the socket and not yet written to the OS (a leaving child waits for them). */
  get unwritten(): number {
    return this.#socket.writableLength;
  }

  /**
   * Encodes `message`, hands it to `sendWire` (the IPC send) and writes its big views' bytes on
   * the socket. Throws (synchronously, before anything is sent or detached) if it cannot be
   * encoded. Memory marked by move() is detached from the sender, as threads do.
   */
  send(message: unknown, sendWire: (wire: string | Buffer) => void): void {
    const moved = takeMoved(message);
    const chunks: SideChunk[] = [];
    const mark = this.#file?.mark();
    let wire: string | Buffer;
    try {
      wire = encodeMessage(message, chunks, moved.length > 0 ? new Set(moved) : null, this.#file);
    } catch (error) {
      if (mark) this.#file!.rollback(mark); // its regions were never announced
      throw error;
    }
    const out = chunks.map((c) => (c.moved ? null : snapshot(c)));
    const owners = new Map<ArrayBufferLike, ArrayBuffer>();
    const onSocket = new Set(chunks.map((c) => c.buffer));
    for (const buffer of moved) {
      const memory = detach(buffer);
      // Moved memory whose bytes are all written already (into the side file, or inline in the
      // message) serves again as the memory of an incoming view (see recycled-memory.ts).
      if (onSocket.has(buffer)) owners.set(buffer, memory);
      else giveBack(memory);
    }
    sendWire(wire);
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      this.#socket.write(out[i] ?? new Uint8Array(owners.get(c.buffer)!, c.offset, c.length));
    }
  }

  /** Decodes a message that came on IPC; delivers it now or once its bytes have come. Throws if it is not mpool's. */
  receive(wire: unknown): void {
    const memory: Buffer[] = [];
    const message = decodeMessage(wire, memory, this.#file);
    if (memory.length === 0 && this.#waiting.length === 0) {
      this.#deliver(message);
      return;
    }
    const owner: Waiting = { message, missing: memory.length };
    this.#waiting.push(owner);
    for (const m of memory) this.#fills.push({ memory: m, filled: 0, owner });
    while (this.#early.length > 0 && this.#fills.length > 0) {
      const rest = this.#fill(this.#early.shift()!);
      if (rest !== null) {
        // No fill left: put the rest back in front (rare: bytes of a later message came early).
        const later: Buffer[] = [rest];
        while (this.#early.length > 0) later.push(this.#early.shift()!);
        for (const b of later) this.#early.push(b);
      }
    }
    this.#deliverReady();
  }

  #onData(chunk: Buffer): void {
    const rest = this.#fill(chunk);
    if (rest !== null) this.#early.push(rest);
    this.#deliverReady();
  }

  /** Copies `chunk` into the pending fills, in order; returns what is left over (no fill wants it) or null. */
  #fill(chunk: Buffer): Buffer | null {
    let offset = 0;
    while (offset < chunk.length) {
      const fill = this.#fills.peek();
      if (fill === undefined) return chunk.subarray(offset);
      const n = Math.min(fill.memory.length - fill.filled, chunk.length - offset);
      fill.memory.set(chunk.subarray(offset, offset + n), fill.filled);
      fill.filled += n;
      offset += n;
      if (fill.filled === fill.memory.length) {
        this.#fills.shift();
        fill.owner.missing--;
      }
    }
    return null;
  }

  #deliverReady(): void {
    for (let head = this.#waiting.peek(); head !== undefined && head.missing === 0; head = this.#waiting.peek()) {
      this.#waiting.shift();
      this.#deliver(head.message);
    }
  }
}

/**
 * A copy of a chunk's bytes that is not ours (not moved): the socket may write it later, after
 * the caller changed it, and what was sent must be the value at the time of the call.
 */
function snapshot(c: SideChunk): Buffer {
  const copy = Buffer.allocUnsafeSlow(c.length);
  copy.set(new Uint8Array(c.buffer, c.offset, c.length));
  return copy;
}
