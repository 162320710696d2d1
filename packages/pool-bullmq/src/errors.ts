/** Errors of the BullMQ backend. */
import { PoolError } from '@mpool/pool-core';

/**
 * Redis stayed unreachable for the pool's `connectTimeoutMs` while calls were pending: they fail
 * with this (`cause`: the last connection error). The pool stays usable; later calls run once
 * Redis is back.
 */
export class RedisUnavailableError extends PoolError {}

/**
 * No `mpool-worker` served the pool's queue for `noWorkerTimeoutMs` while calls were pending
 * (none was ever started, or the last one stopped or died): they fail with this. The pool stays
 * usable; later calls run once a worker serves the queue again.
 */
export class NoWorkerError extends PoolError {}
