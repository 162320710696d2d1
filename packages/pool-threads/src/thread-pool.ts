import { Pool, type PoolOptions } from '@mpool/pool-core';
import { ThreadTransport, type ThreadTransportOptions } from './thread-transport.js';

/** Options of {@link ThreadPool}: the common pool options plus the threads-only ones. */
export interface ThreadPoolOptions extends PoolOptions, ThreadTransportOptions {}

/**
 * A pool of `worker_threads`. The cheapest workers to start and to talk to; pick `ProcessPool`
 * when tasks need their own process (non-thread-safe addons, `process.chdir`, hard kills).
 * @throws RangeError if `processes` or `maxTasksPerChild` is not an integer >= 1.
 */
export class ThreadPool extends Pool {
  constructor(options: ThreadPoolOptions = {}) {
    super(new ThreadTransport({ resourceLimits: options.resourceLimits }), options);
  }
}
