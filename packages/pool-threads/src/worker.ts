/** Worker-thread side: adapt `parentPort` to pool-core's one worker loop. */
import { parentPort } from 'node:worker_threads';
import { ownViews, serve } from '@mpool/pool-core';
import { postWithMoves } from './post-with-moves.js';

if (!parentPort) throw new Error('@mpool/pool-threads worker entry must run in a worker thread');
const port = parentPort;

serve({
  send: (msg) => postWithMoves(port, msg),
  // Arguments must own exactly their bytes, as results do (see ownViews).
  onMessage: (handler) => port.on('message', (msg) => handler(ownViews(msg))),
  // process.exit() in a worker thread ends this thread only, even if user code left timers open.
  exit: () => process.exit(0),
});
