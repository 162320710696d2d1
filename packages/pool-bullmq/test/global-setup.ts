/**
 * One redis-server and one fleet of two mpool-workers for the conformance suite (the fault tests
 * start their own, since they kill them). The URL and queue reach the tests, their child scripts
 * and the fleet through the environment.
 */
import { startFleet, type FleetWorkerProcess } from './harness/fleet.js';
import { startRedis, type RedisServer } from './harness/redis-server.js';

let redis: RedisServer | undefined;
let fleet: FleetWorkerProcess[] = [];

export async function setup(): Promise<void> {
  redis = await startRedis();
  process.env.MPOOL_TEST_REDIS_URL = redis.url;
  process.env.MPOOL_TEST_QUEUE = 'conformance';
  // A task module that creates a pool at its top level reads the factory from here (see entry-script).
  const env = { ...process.env, MPOOL_TEST_FACTORY: new URL('./factory.ts', import.meta.url).href };
  fleet = await startFleet({ url: redis.url, queue: 'conformance', env });
}

export async function teardown(): Promise<void> {
  await Promise.all(fleet.map((w) => w.stop()));
  await redis?.stop();
}
