/**
 * The threads side of an idle worker's look for its next task (pool-core idle-spin.ts), through
 * two SharedArrayBuffers in each worker's `workerData`:
 * - a wake count, bumped by the main side after each message it posts to that worker: the look
 *   reads it with a plain atomic load and calls `receiveMessageOnPort` only when it moved, because
 *   polling the port itself takes the port's mutex on every call, and the main thread's
 *   `postMessage` then finds it held and pays a futex wake (perf showed it under
 *   `SiblingGroup::Dispatch`; round trips were 2.5x slower);
 * - the awake gate of the whole program (awake-gate.ts): whether a core is free for it.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { IdleLook, ParentMessage } from '@mpool/pool-core';
import { AWAKE_SLOTS, AwakeGate } from './awake-gate.js';

export { AWAKE_SLOTS } from './awake-gate.js';

/** The `workerData` of a worker thread of a pool: the buffers of its look (names no task uses). */
export interface LookData {
  mpoolWakeCount: SharedArrayBuffer;
  mpoolAwake: SharedArrayBuffer;
  /** This worker's slot in the gate; -1: none left (the worker never looks). */
  mpoolAwakeSlot: number;
}

/** Main side, one per thread that makes pools: the gate, and its slots handed out to workers and taken back. */
export class AwakeSlots {
  readonly gate = new AwakeGate();
  readonly #free = Array.from({ length: AWAKE_SLOTS }, (_, i) => AWAKE_SLOTS - 1 - i);

  /**
   * Whether the main thread may stay awake for an answer of the worker in `slot` (main-awake.ts),
   * that worker counted as awake even if it has not woken yet. `slot` -1: the awake workers alone.
   */
  roomForMain(slot: number): boolean {
    return this.gate.room(slot < 0 || this.gate.isAwake(slot) ? 0 : 1);
  }

  /**
   * The data of a new worker, the function that bumps its wake count, and the one to call once it
   * exited (or could not be started): that gives its slot back, cleared.
   */
  forWorker(): { workerData: LookData; bump: () => void; exited: () => void } {
    const slot = this.#free.pop() ?? -1;
    const wakeCount = new SharedArrayBuffer(4);
    const count = new Int32Array(wakeCount);
    this.gate.live(slot, 1);
    let gone = false;
    return {
      workerData: { mpoolWakeCount: wakeCount, mpoolAwake: this.gate.buffer, mpoolAwakeSlot: slot },
      bump: () => void Atomics.add(count, 0, 1),
      exited: () => {
        if (gone) return;
        gone = true;
        this.gate.live(slot, -1);
        if (slot >= 0) this.#free.push(slot);
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
  const gate = new AwakeGate(d.mpoolAwake);
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
    setAwake: (on) => gate.setAwake(slot, on),
    // This worker is awake already (it counts itself).
    roomToLook: () => gate.room(0),
  };
}
