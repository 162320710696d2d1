/** Pool factory for conformance tests that run a pool in a separate process. */
import type { PoolOptions } from '@mpool/pool-core';
import { ProcessPool } from '../src/index.js';

export const createPool = (options?: PoolOptions) => new ProcessPool(options);
