/** Worker-thread side: adapt `parentPort` to pool-core's one worker loop. */
import { parentPort, workerData } from 'node:worker_threads';
import { ownViews, serve, type ParentMessage } from '@mpool/pool-core';
import { postWithMoves } from './post-with-moves.js';
import { idleLookOf } from './idle-look.js';

if (!parentPort) throw new Error('@mpool/pool-threads worker entry must run in a worker thread');
const port = parentPort;
// Arguments must own exactly their bytes, as results do (see ownViews).
const prepare = (msg: unknown) => ownViews(msg as ParentMessage);

serve({
  send: (msg) => postWithMoves(port, msg),
  onMessage: (handler) => port.on('message', (msg) => handler(prepare(msg))),
  // An idle worker looks for its next task a short while before it sleeps (pool-core idle-spin.ts).
  look: idleLookOf(port, workerData, prepare),
  // process.exit() in a worker thread ends this thread only, even if user code left timers open.
  exit: () => process.exit(0),
});
