/**
 * The fleet registry: a pool tells "no mpool-worker at all" from "workers busy", and fails its
 * pending calls with NoWorkerError after noWorkerTimeoutMs instead of waiting for ever.
 */
import { describe, expect, it } from 'vitest';
import { NoWorkerError } from '../src/index.js';
import { echo, sleepEcho } from './fixtures/fleet-tasks.js';
import { privateFleet } from './harness/private-fleet.js';

// No worker at first: each test starts the ones it needs (with --lock-ms 2000: see harness/fleet.ts).
const fleet = privateFleet('no-worker', 0);
const workersKey = `bull:${fleet.queue}:mpool:workers`;

describe('no mpool-worker serving the queue', () => {
  it('a call fails with NoWorkerError after noWorkerTimeoutMs, naming the queue and the command to run; no job is left in Redis', async () => {
    const pool = fleet.pool({ processes: 2, noWorkerTimeoutMs: 1500 });
    const t0 = Date.now();
    const error = (await pool.map(echo, [1, 2, 3, 4], 1).catch((e: unknown) => e)) as Error;
    const waited = Date.now() - t0;
    expect(error).toBeInstanceOf(NoWorkerError);
    expect(error.message).toContain('no mpool-worker has served queue "no-worker"');
    expect(error.message).toContain(`mpool-worker --redis redis://127.0.0.1:${fleet.redis.port} --queue no-worker`);
    expect(waited).toBeGreaterThanOrEqual(1400);
    expect(waited).toBeLessThan(6000);
    await expect.poll(() => fleet.probe.pendingJobIds(fleet.queue), { timeout: 5000 }).toEqual([]);
    // The pool stays usable: once a worker serves the queue, calls run.
    const worker = await fleet.addWorker();
    expect(await pool.apply(echo, ['back'])).toBe('back');
    await pool.terminate();
    expect(await worker.stop()).toBe(0);
    fleet.workers.splice(fleet.workers.indexOf(worker), 1);
  }, 30_000);

  it('a worker that comes within the timeout serves the waiting call', async () => {
    const pool = fleet.pool({ processes: 1, noWorkerTimeoutMs: 20_000 });
    const call = pool.apply(echo, ['late worker']);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const worker = await fleet.addWorker();
    expect(await call).toBe('late worker');
    await pool.terminate();
    expect(await worker.stop()).toBe(0);
    fleet.workers.splice(fleet.workers.indexOf(worker), 1);
  }, 30_000);

  it('busy workers are not "no worker": a call queued behind long tasks waits past the timeout and succeeds', async () => {
    const worker = await fleet.addWorker(); // --concurrency 2
    const pool = fleet.pool({ processes: 3, noWorkerTimeoutMs: 1000 });
    const results = await Promise.all([pool.apply(sleepEcho, [2500, 'a']), pool.apply(sleepEcho, [2500, 'b']), pool.apply(sleepEcho, [10, 'queued'])]);
    expect(results).toEqual(['a', 'b', 'queued']);
    await pool.terminate();
    expect(await worker.stop()).toBe(0);
    fleet.workers.splice(fleet.workers.indexOf(worker), 1);
  }, 30_000);

  it('the last worker killed -9 mid-call: the call fails with NoWorkerError once its lock time and the timeout passed', async () => {
    const worker = await fleet.addWorker();
    const pool = fleet.pool({ processes: 1, noWorkerTimeoutMs: 1000 });
    expect(await pool.apply(echo, ['warm'])).toBe('warm');
    const call = pool.apply(sleepEcho, [60_000, 'never']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const t0 = Date.now();
    worker.child.kill('SIGKILL');
    const error = (await call.catch((e: unknown) => e)) as Error;
    fleet.workers.splice(fleet.workers.indexOf(worker), 1);
    expect(error).toBeInstanceOf(NoWorkerError);
    // --lock-ms 2000 (its registry entry's life) + noWorkerTimeoutMs 1000 + checks every second.
    expect(Date.now() - t0).toBeLessThan(12_000);
    await pool.terminate();
  }, 30_000);

  it('a worker stopped with SIGTERM leaves the registry at once; with the last one gone, no key is left', async () => {
    const worker = await fleet.addWorker();
    expect(await fleet.probe.client.zcard(workersKey)).toBe(1);
    expect(await worker.stop()).toBe(0);
    fleet.workers.splice(fleet.workers.indexOf(worker), 1);
    expect(await fleet.probe.client.exists(workersKey)).toBe(0);
  }, 30_000);

  it('noWorkerTimeoutMs is checked: a bad value is a RangeError naming it; Infinity is accepted', () => {
    expect(() => fleet.pool({ noWorkerTimeoutMs: 0 })).toThrow(/noWorkerTimeoutMs must be a number > 0.*got 0/);
    expect(() => fleet.pool({ noWorkerTimeoutMs: '5' as unknown as number })).toThrow(RangeError);
    expect(() => fleet.pool({ noWorkerTimeoutMs: Infinity })).not.toThrow();
  });
});
