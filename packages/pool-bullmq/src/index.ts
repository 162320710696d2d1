export { BullmqPool } from './bullmq-pool.js';
export type { BullmqPoolOptions, BullmqFleetOptions } from './bullmq-pool.js';
export type { RedisConnection } from './connection.js';
export { NoWorkerError, RedisUnavailableError } from './errors.js';
export * from '@mpool/pool-core';
