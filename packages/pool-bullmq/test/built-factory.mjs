/** Pool factory from the built package (dist), for tests that run a program as a user would. */
import { BullmqPool } from '../dist/index.js';

export { defineTasks, taskRef } from '../dist/index.js';
export const createPool = (options) =>
  new BullmqPool({ connection: process.env.MPOOL_TEST_REDIS_URL, queue: process.env.MPOOL_TEST_QUEUE, ...options });
