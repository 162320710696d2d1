/** Worker-thread side: adapt `parentPort` to pool-core's one worker loop. */
import { parentPort } from 'node:worker_threads';
import { serve } from '@mpool/pool-core';

if (!parentPort) throw new Error('@mpool/pool-threads worker entry must run in a worker thread');
const port = parentPort;

serve({
  send: (msg) => port.postMessage(msg),
  onMessage: (handler) => port.on('message', handler),
  // process.exit() in a worker thread ends this thread only, even if user code left timers open.
  exit: () => process.exit(0),
});
