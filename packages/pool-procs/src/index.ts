export { ProcessPool } from './process-pool.js';
export type { ProcessPoolOptions } from './process-pool.js';
export { ProcessTransport, KILL_GRACE_MS } from './process-transport.js';
export type { ProcessTransportOptions, ProcessWorkerHandle } from './process-transport.js';
export * from '@mpool/pool-core';
