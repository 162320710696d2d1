// Worker of the bare worker_threads reference: [id, a, b] in, [id, a + b] out. No library.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (m) => parentPort.postMessage([m[0], m[1] + m[2]]));
