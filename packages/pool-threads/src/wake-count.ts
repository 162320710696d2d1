/**
 * A counter the main side bumps after each message it posts to a worker, shared with that worker
 * (a SharedArrayBuffer in `workerData`). The worker's idle look (pool-core idle-spin.ts) reads it
 * with a plain atomic load and only calls `receiveMessageOnPort` when it moved: polling the port
 * itself takes the port's mutex on every call, and the main thread's `postMessage` then finds it
 * held and pays a futex wake (perf showed it under `SiblingGroup::Dispatch`).
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** The `workerData` field that carries the counter's buffer. */
export const WAKE_COUNT_KEY = 'mpoolWakeCount';

/** Main side: a new counter for one worker, and what to put in its `workerData`. */
export function newWakeCount(): { bump: () => void; workerData: Record<string, SharedArrayBuffer> } {
  const buffer = new SharedArrayBuffer(4);
  const count = new Int32Array(buffer);
  return { bump: () => void Atomics.add(count, 0, 1), workerData: { [WAKE_COUNT_KEY]: buffer } };
}

/**
 * Worker side: takes the next message waiting on `port` if the counter says one may be there, or
 * returns undefined at once. Never loses one: a message it does not take reaches the port's
 * 'message' listener as usual (the counter only spares needless looks).
 */
export function receiverOf(port: MessagePort, buffer: SharedArrayBuffer): () => unknown {
  const count = new Int32Array(buffer);
  let seen = 0;
  return () => {
    const posted = Atomics.load(count, 0);
    if (posted === seen) return undefined;
    const got = receiveMessageOnPort(port);
    // None waiting: the 'message' listener took them. Anything posted after `posted` is looked for next time.
    if (got === undefined) seen = posted;
    else seen++;
    return got?.message;
  };
}
