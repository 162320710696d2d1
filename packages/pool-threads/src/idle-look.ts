/**
 * The threads side of an idle worker's look for its next task (pool-core idle-spin.ts), through
 * two SharedArrayBuffers in each worker's `workerData`:
 * - a wake count, bumped by the main side after each message it posts to that worker: the look
 *   reads it with a plain atomic load and calls `receiveMessageOnPort` only when it moved, because
 *   polling the port itself takes the port's mutex on every call, and the main thread's
 *   `postMessage` then finds it held and pays a futex wake (perf showed it under
 *   `SiblingGroup::Dispatch`; round trips were 2.5x slower);
 * - the awake slots, one Int32 per worker of every pool of the main thread (1: has work or is
 *   looking), so a worker looks only while a core is left for it. The main side clears a worker's slot when it exits, so a
 *   worker killed while awake (abort, crash) never leaves the count high.
 */
import { availableParallelism } from 'node:os';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { IdleLook, ParentMessage } from '@mpool/pool-core';

/** Workers (of all pools of a thread) that can take part; one beyond this many never looks (it only sleeps sooner). */
export const AWAKE_SLOTS = 64;

/** The cores this process may use (read once: it is a system call). */
const CORES = availableParallelism();

/** The `workerData` of a worker thread of a pool: the buffers of its look. */
export interface LookData {
  mpoolWakeCount: SharedArrayBuffer;
  mpoolAwake: SharedArrayBuffer;
  /** This worker's slot in `mpoolAwake`; -1: none left (the worker never looks). */
  mpoolAwakeSlot: number;
}

/** Main side, one per thread that makes pools: the awake slots, handed out to workers and taken back when they exit. */
export class AwakeSlots {
  readonly #buffer = new SharedArrayBuffer(4 * AWAKE_SLOTS);
  readonly #slots = new Int32Array(this.#buffer);
  readonly #free = Array.from({ length: AWAKE_SLOTS }, (_, i) => AWAKE_SLOTS - 1 - i);

  /**
   * Whether the main thread may stay awake for an answer of the worker in `slot` (main-awake.ts):
   * the awake workers, that one counted even if it has not woken yet, leave a core for it.
   * `slot` -1: the awake workers alone.
   */
  roomForMain(slot: number): boolean {
    let n = slot < 0 || Atomics.load(this.#slots, slot) === 1 ? 0 : 1;
    for (let i = 0; i < AWAKE_SLOTS; i++) n += Atomics.load(this.#slots, i);
    return n <= CORES - 1;
  }

  /** The data of a new worker, the function that bumps its wake count, and the one to call when it exited. */
  forWorker(): { workerData: LookData; bump: () => void; exited: () => void } {
    const slot = this.#free.pop() ?? -1;
    const wakeCount = new SharedArrayBuffer(4);
    const count = new Int32Array(wakeCount);
    return {
      workerData: { mpoolWakeCount: wakeCount, mpoolAwake: this.#buffer, mpoolAwakeSlot: slot },
      bump: () => void Atomics.add(count, 0, 1),
      exited: () => {
        if (slot < 0) return;
        Atomics.store(this.#slots, slot, 0);
        this.#free.push(slot);
      },
    };
  }
}

/**
 * Worker side: the look over `port` (each message taken goes through `prepare`, as the port's
 * listener's do), or undefined when `data` holds none (a worker beyond the slots).
 */
export function idleLookOf(port: MessagePort, data: unknown, prepare: (msg: unknown) => ParentMessage): IdleLook | undefined {
  const d = data as Partial<LookData> | null;
  if (!(d?.mpoolWakeCount instanceof SharedArrayBuffer) || !(d.mpoolAwake instanceof SharedArrayBuffer)) return undefined;
  const slot = d.mpoolAwakeSlot ?? -1;
  if (slot < 0) return undefined;
  const count = new Int32Array(d.mpoolWakeCount);
  const awake = new Int32Array(d.mpoolAwake);
  // Others awake, plus this worker, plus the main thread: at most the cores.
  const most = CORES - 1;
  let seen = 0;
  return {
    // The next message if the wake count says one may be waiting; never loses one (see below).
    receive: () => {
      const posted = Atomics.load(count, 0);
      if (posted === seen) return undefined;
      const got = receiveMessageOnPort(port);
      // None waiting: the 'message' listener took them. Anything posted after `posted` is looked for next time.
      if (got === undefined) seen = posted;
      else seen++;
      return got === undefined ? undefined : prepare(got.message);
    },
    setAwake: (on) => void Atomics.store(awake, slot, on ? 1 : 0),
    roomToLook: () => {
      let n = 0;
      for (let i = 0; i < awake.length; i++) n += Atomics.load(awake, i);
      return n <= most;
    },
  };
}
