import { Pool, type AnyFn, type PoolOptions } from '@mpool/pool-core';
import { ThreadTransport, type ThreadTransportOptions } from './thread-transport.js';

/** Options of {@link ThreadPool}: the common pool options plus the threads-only ones. */
export type ThreadPoolOptions<Init extends AnyFn = AnyFn> = PoolOptions<Init> & ThreadTransportOptions;

/** The threads-only option names (an unknown name throws, see Pool). */
const THREAD_OPTION_NAMES = ['resourceLimits'];

/**
 * A pool of `worker_threads`. The cheapest workers to start and to talk to; pick `ProcessPool`
 * when tasks need their own process (non-thread-safe addons, `process.chdir`, hard kills).
 * `Init` is inferred from `initializer`, so `initargs` is type-checked against it.
 * @throws RangeError if `processes` or `maxTasksPerChild` is not an integer >= 1.
 * @throws TypeError for an unknown option name.
 */
export class ThreadPool<Init extends AnyFn = AnyFn> extends Pool<Init> {
  constructor(options: ThreadPoolOptions<Init> = {} as ThreadPoolOptions<Init>) {
    super(new ThreadTransport({ resourceLimits: options?.resourceLimits }), options, THREAD_OPTION_NAMES);
  }
}
