export { ProcessPool } from './process-pool.js';
export type { ProcessPoolOptions } from './process-pool.js';
export { ProcessTransport, KILL_GRACE_MS } from './process-transport.js';
export type { ProcessTransportOptions, ProcessWorkerHandle } from './process-transport.js';
// The structured-clone codec of the processes backend, for other channels (see wire-codec.ts).
export { encodeBytes, decodeMessage, assertSendable } from './wire-codec.js';
export * from '@mpool/pool-core';
