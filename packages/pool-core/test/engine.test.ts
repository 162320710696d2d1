import { describe, expect, it } from 'vitest';
import { AbortError, Pool, PoolStateError, WorkerCrashedError } from '../src/index.js';
import { LoopbackTransport } from './fixtures/loopback.js';
import { double, wait } from './fixtures/tasks.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

describe('engine dispatch', () => {
  it('packs queued one-per-call tasks into few messages, but sends a lone task at once', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 2 });
    expect(await pool.apply(double, [21])).toBe(42);
    const results = range(2000).map((i) => pool.applyAsync(double, [i]));
    expect(await Promise.all(results.map((r) => r.get(5000)))).toEqual(range(2000).map((i) => 2 * i));
    const sizes = transport.runSizes().flat();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2001);
    expect(Math.max(...sizes)).toBe(64); // the cap on batches per message
    expect(sizes.length).toBeLessThan(200); // far fewer messages than tasks
    await pool.terminate();
  });

  it('refs workers only while work is pending', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 2 });
    await tick();
    expect(transport.workers.map((w) => w.refd)).toEqual([false, false]);
    const r = pool.applyAsync(wait, [50]);
    await tick(10);
    expect(transport.workers.map((w) => w.refd)).toEqual([true, true]);
    await r.get(5000);
    await tick(10);
    expect(transport.workers.map((w) => w.refd)).toEqual([false, false]);
    await pool.terminate();
  });

  it('a crash rejects every batch the worker held, re-runs nothing, and replaces the worker', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 1 });
    // Five tasks queued before the worker is ready: its first message carries two of them.
    const running = pool.applyAsync(wait, [200]);
    const heldBehind = pool.applyAsync(double, [1]);
    const queued = range(3).map((i) => pool.applyAsync(double, [10 + i]));
    await tick(30);
    expect(transport.runSizes()[0]).toEqual([2]);
    transport.workers[0]!.die({ exitCode: 7, signal: null });
    for (const r of [running, heldBehind] as Array<{ get(ms: number): Promise<unknown> }>) {
      const error = (await r.get(1000).catch((e) => e)) as WorkerCrashedError;
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error.exitCode).toBe(7);
    }
    expect(await Promise.all(queued.map((r) => r.get(1000)))).toEqual([20, 22, 24]);
    expect(transport.workers).toHaveLength(2);
    await pool.terminate();
  });

  it('terminate() while replies are in flight: every result settles once, nothing throws', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 2 });
    await tick();
    let terminating: Promise<void> | undefined;
    transport.onWorkerSend = (msg) => {
      if (msg.type !== 'ready') terminating ??= pool.terminate(); // a reply is on its way
    };
    const results = range(500).map((i) => pool.applyAsync(double, [i]));
    await tick();
    await terminating;
    const outcomes = await Promise.all(results.map((r) => r.get(1000).then(() => 'ok', (e: Error) => e.name)));
    expect(outcomes.every((o) => o === 'PoolStateError')).toBe(true);
  });

  it('aborting a running task re-queues the tasks queued behind it on that worker', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 1 });
    await tick();
    const controller = new AbortController();
    const running = pool.applyAsync(wait, [10_000], { signal: controller.signal });
    const behind = pool.applyAsync(double, [4]);
    await tick(30);
    controller.abort();
    expect(await running.get(1000).catch((e) => e)).toBeInstanceOf(AbortError);
    expect(await behind.get(1000)).toBe(8);
    await pool.terminate();
  });

  it('workers that keep dying during start-up break the pool instead of looping', async () => {
    const transport = new LoopbackTransport();
    transport.onSpawn = (w) => w.die({ exitCode: 1, signal: null });
    const pool = new Pool(transport, { processes: 1 });
    const r = pool.applyAsync(double, [1]);
    const error = await r.get(1000).catch((e) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/exit during start-up/);
    expect(transport.workers).toHaveLength(3);
    await expect(pool.apply(double, [2])).rejects.toBeInstanceOf(WorkerCrashedError);
    await pool.terminate();
  });

  it('a transport that cannot start workers fails the pool with a clear error', async () => {
    const transport = new LoopbackTransport();
    transport.failSpawn = new Error('no threads here');
    const pool = new Pool(transport, { processes: 2 });
    const error = await pool.apply(double, [1]).catch((e) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/cannot start a loopback worker: no threads here/);
    pool.close();
    await pool.join(1000);
  });

  it('close() with nothing pending ends the workers; join() resolves; new work is refused', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 2 });
    await tick();
    pool.close();
    await pool.join(1000);
    expect(transport.workers.every((w) => !w.alive)).toBe(true);
    expect(() => pool.applyAsync(double, [1])).toThrow(PoolStateError);
  });

  it('maxTasksPerChild never gives a worker more chunks than its quota in one message', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 2, maxTasksPerChild: 3 });
    expect(await pool.map(double, range(40), 1)).toEqual(range(40).map((x) => 2 * x));
    for (const sizes of transport.runSizes()) expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3);
    await pool.terminate();
  });
});
