export { ThreadPool } from './thread-pool.js';
export type { ThreadPoolOptions } from './thread-pool.js';
export { ThreadTransport } from './thread-transport.js';
export type { ThreadTransportOptions } from './thread-transport.js';
export * from '@mpool/pool-core';
