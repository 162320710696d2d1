/** Worker-thread side: adapt `parentPort` to pool-core's one worker loop. */
import { parentPort, workerData } from 'node:worker_threads';
import { ownViews, serve, type ParentMessage } from '@mpool/pool-core';
import { postWithMoves } from './post-with-moves.js';
import { receiverOf, WAKE_COUNT_KEY } from './wake-count.js';

if (!parentPort) throw new Error('@mpool/pool-threads worker entry must run in a worker thread');
const port = parentPort;
const wakeCount = (workerData as Record<string, unknown> | null)?.[WAKE_COUNT_KEY];
const receiveNext = wakeCount instanceof SharedArrayBuffer ? receiverOf(port, wakeCount) : null;

serve({
  send: (msg) => postWithMoves(port, msg),
  // Arguments must own exactly their bytes, as results do (see ownViews).
  onMessage: (handler) => port.on('message', (msg) => handler(ownViews(msg))),
  // An idle worker looks for its next task a short while before it sleeps (pool-core idle-spin.ts).
  receive: receiveNext
    ? () => {
        const msg = receiveNext();
        return msg === undefined ? undefined : ownViews(msg as ParentMessage);
      }
    : undefined,
  // process.exit() in a worker thread ends this thread only, even if user code left timers open.
  exit: () => process.exit(0),
});
