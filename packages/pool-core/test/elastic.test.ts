/**
 * Elastic size and the bounded queue at the engine level, over the loopback transport: exact
 * worker and message counts that real backends cannot promise on a loaded machine. The behaviour
 * every backend must show is in src/testing/elastic.suite.ts and back-pressure.suite.ts.
 */
import { describe, expect, it } from 'vitest';
import { AbortError, Pool, QueueFullError, WorkerCrashedError } from '../src/index.js';
import { LoopbackTransport } from './fixtures/loopback.js';
import { double, fail, wait } from './fixtures/tasks.js';

const poolWorkerCount = (pool: Pool): number => pool.stats().workers;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await tick(5);
  }
}

describe('elastic size (engine)', () => {
  it('minProcesses 0: no worker before the first call; a lone call starts one; queued work starts the rest, never more than processes', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 4, minProcesses: 0 });
    await tick();
    expect(transport.workers).toHaveLength(0);
    expect(await pool.apply(double, [2])).toBe(4);
    expect(transport.workers).toHaveLength(1);
    const results = range(20).map((i) => pool.applyAsync(wait, [20 + (i % 2)]));
    await Promise.all(results.map((r) => r.get(2000)));
    expect(transport.workers).toHaveLength(4);
    expect(poolWorkerCount(pool)).toBe(4);
    await pool.terminate();
  });

  it('a caller that waits for each result keeps using one worker', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 4, minProcesses: 0 });
    for (const i of range(20)) expect(await pool.apply(double, [i])).toBe(2 * i);
    expect(transport.workers).toHaveLength(1);
    await pool.terminate();
  });

  it('idle workers above minProcesses leave after idleTimeoutMs, as an exit, not a crash', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 3, minProcesses: 1, idleTimeoutMs: 30 });
    await Promise.all(range(3).map(() => pool.apply(wait, [30])));
    expect(transport.workers).toHaveLength(3);
    await until(() => poolWorkerCount(pool) === 1);
    await tick(100);
    expect(poolWorkerCount(pool)).toBe(1); // never below minProcesses
    expect(transport.workers.filter((w) => !w.alive)).toHaveLength(2);
    expect(transport.workers.flatMap((w) => w.received.filter((m) => m.type === 'exit'))).toHaveLength(2);
    expect(await pool.apply(double, [5])).toBe(10);
    await pool.terminate();
  });

  it('workers that keep dying during start-up still break a minProcesses: 0 pool', async () => {
    const transport = new LoopbackTransport();
    transport.onSpawn = (w) => w.die({ exitCode: 1, signal: null });
    const pool = new Pool(transport, { processes: 2, minProcesses: 0 });
    const error = await pool.applyAsync(double, [1]).get(1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error as Error).message).toMatch(/exit during start-up/);
    expect(transport.workers).toHaveLength(3);
    await pool.terminate();
  });

  it('maxTasksPerChild on an elastic pool: a recycled worker is replaced only while work or minProcesses needs it', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 2, minProcesses: 0, maxTasksPerChild: 1 });
    for (const i of range(3)) expect(await pool.apply(double, [i])).toBe(2 * i);
    expect(transport.workers).toHaveLength(3);
    await until(() => poolWorkerCount(pool) === 0);
    const kept = new Pool(new LoopbackTransport(), { processes: 2, minProcesses: 1, maxTasksPerChild: 1 });
    for (const i of range(3)) expect(await kept.apply(double, [i])).toBe(2 * i);
    await until(() => poolWorkerCount(kept) === 1);
    await Promise.all([pool.terminate(), kept.terminate()]);
  });
});

describe('bounded queue (engine)', () => {
  it('counts items, not batches; refuses a call whole; frees room when tasks are sent', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 1, maxQueue: 10 });
    await tick();
    const running = pool.applyAsync(wait, [50]); // sent at once: not queued
    const queued = range(10).map((i) => pool.applyAsync(double, [i]));
    const refused = pool.applyAsync(double, [99]);
    expect(refused.ready()).toBe(true);
    const error = (await refused.get().catch((e: unknown) => e)) as QueueFullError;
    expect(error).toBeInstanceOf(QueueFullError);
    expect([error.maxQueue, error.queued, error.requested]).toEqual([10, 10, 1]);
    expect(error.message).toMatch(/applyAsync: the pool's queue is full/);
    await Promise.all([running, ...queued].map((r) => r.get(2000)));
    const map = pool.mapAsync(double, range(11), { chunksize: 5 }); // 3 batches, 11 items
    expect(await map.get(1000).catch((e: unknown) => e)).toBeInstanceOf(QueueFullError);
    expect(await pool.map(double, range(10), 5)).toEqual(range(10).map((i) => 2 * i));
    const sent = transport.workers[0]!.received.flatMap((m) => (m.type === 'run' ? m.batches.flatMap((b) => b.items) : []));
    expect(sent).not.toContainEqual([99]); // nothing of a refused call ran
    expect(sent.length).toBe(1 + 10 + 10); // the running call, the 10 queued, the accepted map of 10
    await pool.terminate();
  });

  it('an aborted or failed call frees its queued room at once', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 1, maxQueue: 20 });
    await tick();
    const blocker = pool.applyAsync(wait, [100]);
    const controller = new AbortController();
    const aborted = pool.mapAsync(double, range(20), { chunksize: 1, signal: controller.signal });
    await tick(1);
    expect(pool.applyAsync(double, [1]).ready()).toBe(true); // refused: the map fills the queue
    controller.abort();
    expect(await aborted.get(1000).catch((e: unknown) => e)).toBeInstanceOf(AbortError);
    const after = range(20).map((i) => pool.applyAsync(double, [i]));
    expect(after.every((r) => !r.ready())).toBe(true); // all 20 accepted although the aborted batches are still in the engine's queue
    await Promise.all(after.map((r) => r.get(2000)));
    await blocker.get(2000);
    const failing = pool.mapAsync(fail, ['x', ...range(19).map(String)], { chunksize: 1 });
    expect(await failing.get(1000).catch((e: unknown) => e)).toBeInstanceOf(Error);
    expect(await pool.map(double, range(20), 1)).toEqual(range(20).map((i) => 2 * i));
    await pool.terminate();
  });

  it('room(): waiters are woken in order, as many as fit; room(n) waits for n', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 1, maxQueue: 4 });
    await tick();
    const blocker = pool.applyAsync(wait, [50]);
    const queued = range(4).map(() => pool.applyAsync(wait, [1]));
    const order: string[] = [];
    const big = pool.room(4).then(() => order.push('big'));
    const small = pool.room(1).then(() => order.push('small'));
    await tick(10);
    expect(order).toEqual([]);
    await Promise.all([blocker, ...queued].map((r) => r.get(2000)));
    await Promise.all([big, small]);
    expect(order).toEqual(['big', 'small']); // first come, first served: the small one does not overtake
    await expect(pool.room(5)).rejects.toThrow(/more than maxQueue \(4\)/);
    await expect(pool.room(0)).rejects.toBeInstanceOf(RangeError);
    await pool.terminate();
  });
});
