/** Pool factory from the built package (dist), for tests that run a program as a user would. */
import { ProcessPool } from '../dist/index.js';

export { defineTasks, taskRef } from '../dist/index.js';
export const createPool = (options) => new ProcessPool(options);
