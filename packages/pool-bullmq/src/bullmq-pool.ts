import { Pool, type AnyFn, type PoolOptions } from '@mpool/pool-core';
import { redisOptions, type RedisConnection } from './connection.js';
import { FleetClient } from './fleet-client.js';
import { BullmqTransport } from './transport.js';

/** Options of {@link BullmqPool}: where the fleet is, plus the common pool options. */
export type BullmqPoolOptions<Init extends AnyFn = AnyFn> = PoolOptions<Init> & BullmqFleetOptions;

/** Where the fleet is. */
export interface BullmqFleetOptions {
  /** The fleet's Redis: a URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS) or ioredis options. */
  connection: RedisConnection;
  /** The fleet's queue: the `--queue` its `mpool-worker`s serve. */
  queue: string;
  /** BullMQ's key prefix (default `bull`); `{name}` (a hash tag) on Redis Cluster. Same as the workers' `--prefix`. */
  prefix?: string;
  /**
   * How long Redis may stay unreachable while calls are pending before they fail with
   * RedisUnavailableError (checked every 250 ms). Default 10,000 ms; a shorter outage is waited out.
   */
  connectTimeoutMs?: number;
  /**
   * How long calls may wait while no `mpool-worker` serves the queue at all (none started, or the
   * last one stopped or died: a dead worker counts until its `--lock-ms` has passed) before they
   * fail with NoWorkerError; checked every second while calls are pending. Default 30,000 ms.
   * `Infinity` waits for ever (workers started on demand from the queue's length).
   */
  noWorkerTimeoutMs?: number;
}

const FLEET_OPTION_NAMES = ['connection', 'queue', 'prefix', 'connectTimeoutMs', 'noWorkerTimeoutMs'];

/**
 * A pool whose workers are the `mpool-worker` processes of a BullMQ queue, on any number of
 * machines: `new ThreadPool(opts)` becomes `new BullmqPool({ ...opts, connection, queue })`.
 * On a fleet, `processes` is the number of this pool's *slots*: how many of its jobs may be in
 * flight at once (each job carries one or more chunks); `maxTasksPerChild` and `initializer` apply
 * to fleet processes started for this pool alone. See the README, "Running on many machines",
 * for delivery (at least once when a fleet worker dies), crash detection and what differs.
 * @throws TypeError for a bad `connection`, `queue` or option name; RangeError as the other pools.
 */
export class BullmqPool<Init extends AnyFn = AnyFn> extends Pool<Init> {
  readonly #fleet: FleetClient;

  constructor(options: BullmqPoolOptions<Init>) {
    const where = 'new BullmqPool';
    if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}`);
    const { connection, queue, prefix = 'bull', connectTimeoutMs = 10_000, noWorkerTimeoutMs = 30_000 } = options;
    if (connection === undefined) throw new TypeError(`${where}: connection is required (a Redis URL such as redis://127.0.0.1:6379, or ioredis options)`);
    const redis = redisOptions(connection, where);
    if (typeof queue !== 'string' || queue === '' || queue.includes(':')) {
      throw new TypeError(`${where}: queue must be a non-empty name without ':' (the --queue of the fleet's mpool-workers), got ${JSON.stringify(queue)}`);
    }
    if (typeof prefix !== 'string' || prefix === '') throw new TypeError(`${where}: prefix must be a non-empty string, got ${JSON.stringify(prefix)}`);
    if (typeof connectTimeoutMs !== 'number' || !(connectTimeoutMs > 0)) throw new RangeError(`${where}: connectTimeoutMs must be a number > 0, got ${String(connectTimeoutMs)}`);
    if (typeof noWorkerTimeoutMs !== 'number' || !(noWorkerTimeoutMs > 0)) throw new RangeError(`${where}: noWorkerTimeoutMs must be a number > 0 (Infinity: wait for ever), got ${String(noWorkerTimeoutMs)}`);
    const fleet = new FleetClient({ redis, queue, prefix, connectTimeoutMs, noWorkerTimeoutMs });
    const dedicated = options.initializer != null || options.maxTasksPerChild != null;
    super(new BullmqTransport(fleet, () => dedicated), options, FLEET_OPTION_NAMES);
    this.#fleet = fleet;
  }

  /**
   * This pool's id: its BullMQ job ids are `<id>-<n>` (what dashboards show), its result list and
   * alive key end in it.
   */
  get id(): string {
    return this.#fleet.pool;
  }

  /** As {@link Pool.join}, then closes this pool's Redis connections (and deletes its result list). */
  override async join(timeoutMs?: number): Promise<void> {
    await super.join(timeoutMs);
    await this.#fleet.close();
  }

  /** As {@link Pool.terminate}: jobs still waiting in Redis are removed, running ones are cancelled. */
  override async terminate(): Promise<void> {
    await super.terminate();
    await this.#fleet.close();
  }
}
