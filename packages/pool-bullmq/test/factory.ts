/** Pool factory of the conformance suite: a BullmqPool on the test fleet (see global-setup.ts). */
import type { PoolOptions } from '@mpool/pool-core';
import { BullmqPool } from '../src/index.js';

export const fleetOptions = () => ({ connection: process.env.MPOOL_TEST_REDIS_URL!, queue: process.env.MPOOL_TEST_QUEUE! });
export const createPool = (options?: PoolOptions) => new BullmqPool(options === null ? (null as never) : { ...fleetOptions(), ...options });
