/** A redis-server and fleet of a test file's own (for tests that stop, kill or restart them). */
import { afterAll, beforeAll } from 'vitest';
import type { PoolOptions } from '@mpool/pool-core';
import { BullmqPool } from '../../src/index.js';
import { startFleet, startWorker, type FleetWorkerProcess } from './fleet.js';
import { RedisProbe } from './redis-probe.js';
import { startRedis, type RedisServer } from './redis-server.js';

export interface PrivateFleet {
  redis: RedisServer;
  workers: FleetWorkerProcess[];
  probe: RedisProbe;
  queue: string;
  pool(options?: PoolOptions & { connectTimeoutMs?: number; noWorkerTimeoutMs?: number }): BullmqPool;
  /** Starts one more worker on the queue (after a test killed one). */
  addWorker(flags?: string[], roots?: string[]): Promise<FleetWorkerProcess>;
}

/** Registers beforeAll/afterAll hooks that start and stop a fleet of `size` workers on a Redis of its own. */
export function privateFleet(queue: string, size = 2, flags: string[] = []): PrivateFleet {
  const fleet = { queue, workers: [] as FleetWorkerProcess[] } as unknown as PrivateFleet;
  const pools: BullmqPool[] = [];
  beforeAll(async () => {
    fleet.redis = await startRedis();
    fleet.probe = new RedisProbe(fleet.redis.url);
    fleet.workers = await startFleet({ url: fleet.redis.url, queue, flags }, size);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.terminate().catch(() => undefined)));
    await Promise.all(fleet.workers.map((w) => w.stop()));
    fleet.probe?.close();
    await fleet.redis?.stop();
  }, 60_000);
  fleet.pool = (options = {}) => {
    const pool = new BullmqPool({ connection: fleet.redis.url, queue, processes: 2, ...options });
    pools.push(pool);
    return pool;
  };
  fleet.addWorker = async (extra = [], roots) => {
    const worker = await startWorker({ url: fleet.redis.url, queue, flags: [...flags, ...extra], roots });
    fleet.workers.push(worker);
    return worker;
  };
  return fleet;
}
