/**
 * A memory file shared by a parent and one child, for the bytes of big views (Linux): a file in
 * /dev/shm (tmpfs, RAM), unlinked the moment it is opened and handed to the child as an open fd
 * (stdio slot {@link SIDE_FILE_FD}). Nothing is left behind whatever happens: the memory goes back
 * to the system once both processes closed the fd, which the kernel does when they die.
 *
 * Why, beside the side socket: a socketpair holds ~200 KiB (Node cannot raise SO_SNDBUF), so 1 MiB
 * crosses it in many rounds of "writer fills, reader wakes and drains, writer wakes", each a
 * wake-up of the other process; a round trip of 1 MiB each way was mostly waiting. Here the
 * sender copies the bytes into the file at once (`pwrite`, which also makes the copy the value at
 * call time: no snapshot needed) and the receiver copies them out when their message arrives
 * (`pread`): two copies, no wake-up but the IPC message's own.
 *
 * Each direction has its own half of the file, used as a ring: regions are taken in order and
 * given back in order, when the other side says it has read up to a position. That position rides
 * on every message going the other way (the receiver's header, see wire-codec.ts), so no message
 * is added. A view that finds no room (no message came back yet, or bigger than a half) takes the
 * side socket, as does every view once a write failed (a full /dev/shm: ENOSPC).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';

/** Bytes of each direction's half. The file is sparse: only the pages written hold memory. */
export const SIDE_FILE_HALF = 16 * 1024 * 1024;
/** The child's fd of the file (stdio slot 5; slot 4 is the side socket). */
export const SIDE_FILE_FD = 5;
/**
 * Ring positions count modulo this (a multiple of the half, exact in a double), so they never
 * overflow: every live position is within one half of the tail, and distances are taken modulo it.
 */
export const POSITION_MODULUS = 2 ** 48;

/** How far `to` is ahead of `from`, on the ring of positions. */
const ahead = (from: number, to: number) => (to - from + POSITION_MODULUS) % POSITION_MODULUS;

/**
 * Parent side: opens a new side file and returns its fd, or null where there is none to be had
 * (not Linux, no /dev/shm, `MPOOL_SIDE_FILE=0`, or any error): big views then take the socket.
 */
export function openSideFile(): number | null {
  if (process.platform !== 'linux' || process.env.MPOOL_SIDE_FILE === '0' || !existsSync('/dev/shm')) return null;
  const path = `/dev/shm/mpool-side-${process.pid}-${randomBytes(8).toString('hex')}`;
  let fd: number | null = null;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    unlinkSync(path);
    ftruncateSync(fd, 2 * SIDE_FILE_HALF);
    return fd;
  } catch {
    if (fd !== null) {
      try {
        unlinkSync(path);
      } catch {
        // already unlinked
      }
      closeSync(fd);
    }
    return null;
  }
}

/** One end's view of a side file: it writes one half and reads the other. */
export class SideFile {
  readonly #fd: number;
  readonly #writeBase: number;
  readonly #readBase: number;
  /**
   * Where the next region goes. Positions only move forward (modulo POSITION_MODULUS); a
   * position's place in the half is `position % SIDE_FILE_HALF`.
   */
  #head: number;
  /** Everything before this position was read by the other side: free again. */
  #tail: number;
  /** End of the last region this end read (sent to the other side in every message). */
  #consumed = 0;
  #broken = false;

  /**
   * @param parent whether this is the parent's end (it writes the first half)
   * @param start the first position this end writes at, a multiple of SIDE_FILE_HALF (tests:
   *   to cross the wrap-around of positions); the other end needs not know it
   */
  constructor(fd: number, parent: boolean, start = 0) {
    this.#fd = fd;
    this.#writeBase = parent ? 0 : SIDE_FILE_HALF;
    this.#readBase = parent ? SIDE_FILE_HALF : 0;
    this.#head = this.#tail = start;
  }

  /** Where the other side has read up to in the half it reads (this end's report, for its header). */
  get consumed(): number {
    return this.#consumed;
  }

  /** The other side has read this end's regions up to `position`: their room is free again. */
  acknowledge(position: number): void {
    // A report from before the ring last started over is behind the tail: ignored.
    const d = ahead(this.#tail, position);
    if (d > 0 && d <= ahead(this.#tail, this.#head)) this.#tail = position;
  }

  /** The ring's state, to undo the writes of a message that could not be encoded after all. */
  mark(): readonly [number, number] {
    return [this.#head, this.#tail];
  }

  /** Gives back the regions taken since {@link mark} (never read by anyone: their message was not sent). */
  rollback(mark: readonly [number, number]): void {
    [this.#head, this.#tail] = mark;
  }

  /**
   * Copies `bytes` into a free region and returns its position, or -1 if there is no room now
   * (or writes failed before): the caller sends the bytes another way.
   */
  write(bytes: Uint8Array): number {
    const n = bytes.byteLength;
    if (this.#broken || n > SIDE_FILE_HALF) return -1;
    let position = this.#head;
    let tail = this.#tail;
    if (position === tail) {
      // An empty ring starts over at the beginning of its half: a steady flow keeps reusing the
      // same pages. (Forward, not back to 0: reports of the old regions must stay behind the tail.)
      position = tail = (Math.ceil(position / SIDE_FILE_HALF) * SIDE_FILE_HALF) % POSITION_MODULUS;
    }
    const offset = position % SIDE_FILE_HALF;
    if (offset + n > SIDE_FILE_HALF) position = (position + SIDE_FILE_HALF - offset) % POSITION_MODULUS; // regions never wrap
    if (ahead(tail, position) + n > SIDE_FILE_HALF) return -1;
    try {
      let done = 0;
      while (done < n) done += writeSync(this.#fd, bytes, done, n - done, this.#writeBase + (position % SIDE_FILE_HALF) + done);
    } catch {
      this.#broken = true; // ENOSPC (a small /dev/shm) or worse: the socket from now on
      return -1;
    }
    this.#tail = tail;
    this.#head = (position + n) % POSITION_MODULUS;
    return position;
  }

  /** Copies the region at `position` (written by the other side) into `target`, all of it. */
  read(position: number, target: Uint8Array): void {
    const n = target.byteLength;
    if (!(Number.isInteger(position) && position >= 0 && position < POSITION_MODULUS && (position % SIDE_FILE_HALF) + n <= SIDE_FILE_HALF)) throw new Error(`mpool: corrupt message (side file region ${position}+${n})`);
    let done = 0;
    while (done < n) {
      const got = readSync(this.#fd, target, done, n - done, this.#readBase + (position % SIDE_FILE_HALF) + done);
      if (got === 0) throw new Error(`mpool: the side file ended inside region ${position}+${n}`);
      done += got;
    }
    this.#consumed = (position + n) % POSITION_MODULUS;
  }

  close(): void {
    try {
      closeSync(this.#fd);
    } catch {
      // closed already
    }
  }
}
