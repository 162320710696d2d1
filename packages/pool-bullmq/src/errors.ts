/** Errors of the BullMQ backend. */
import { PoolError } from '@mpool/pool-core';

/**
 * Redis stayed unreachable for the pool's `connectTimeoutMs` while calls were pending: they fail
 * with this (`cause`: the last connection error). The pool stays usable; later calls run once
 * Redis is back.
 */
export class RedisUnavailableError extends PoolError {}
