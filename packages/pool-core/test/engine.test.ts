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
    await pool.map(double, range(10), 1); // `double` is now measured quick, so messages carry several calls
    const before = transport.workers[0]!.received.length;
    const results = range(40).map((i) => pool.applyAsync(double, [i]));
    await Promise.resolve(); // the tick's calls are sent (a lone one, then a packed prefetch)
    const held = transport.runSizes()[0]!.slice(before - 1).reduce((a, b) => a + b, 0);
    expect(held).toBeGreaterThanOrEqual(1); // several, unless a loaded machine made `double` look slow
    transport.workers[0]!.die({ exitCode: 7, signal: null });
    const outcomes = await Promise.all(results.map((r) => r.get(1000).catch((e: unknown) => e)));
    const crashed = outcomes.filter((o) => o instanceof WorkerCrashedError) as WorkerCrashedError[];
    expect(crashed).toHaveLength(held);
    expect(crashed.every((e) => e.exitCode === 7)).toBe(true);
    expect(outcomes.slice(held)).toEqual(range(40).slice(held).map((i) => 2 * i));
    expect(transport.runSizes()[1]!.reduce((a, b) => a + b, 0)).toBe(40 - held); // nothing re-run
    await pool.terminate();
  });

  it('a task not yet timed travels alone; once measured quick, queued calls share messages', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 1 });
    await tick();
    const first = range(5).map((i) => pool.applyAsync(double, [i]));
    await Promise.all(first.map((r) => r.get(1000)));
    expect(transport.runSizes()[0]).toEqual([1, 1, 1, 1, 1]);
    const later = range(100).map((i) => pool.applyAsync(double, [i]));
    await Promise.all(later.map((r) => r.get(1000)));
    expect(Math.max(...transport.runSizes()[0]!)).toBeGreaterThan(1);
    await pool.terminate();
  });

  it('a job with an AbortSignal never shares a worker (or a message) with other calls', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 1 });
    await pool.map(double, range(10), 1);
    const controller = new AbortController();
    const mixed = range(60).map((i) => (i % 3 === 0 ? pool.applyAsync(double, [i], { signal: controller.signal }) : pool.applyAsync(double, [i])));
    expect(await Promise.all(mixed.map((r) => r.get(1000)))).toEqual(range(60).map((i) => 2 * i));
    // Each call is its own job, so a signal call is always alone in its message.
    for (const msg of transport.workers[0]!.received) {
      if (msg.type !== 'run' || msg.batches.length < 2) continue;
      expect(msg.batches.every((b) => (b.items[0] as number[])[0]! % 3 !== 0)).toBe(true);
    }
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

  it('aborting a running task loses nothing else: the calls after it run on the replacement worker', async () => {
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

  it('TransportHost.failPending: every pending call fails with the error, each worker is replaced once, the pool carries on', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 2 });
    const running = range(2).map(() => pool.applyAsync(wait, [5000]));
    const queued = range(50).map((i) => pool.applyAsync(double, [i]));
    await tick();
    const outage = new Error('broker unreachable');
    transport.host!.failPending(outage);
    const outcomes = await Promise.all([...running, ...queued].map((r) => r.get(1000).catch((e: unknown) => e)));
    expect(outcomes.every((o) => o === outage)).toBe(true);
    expect(transport.workers).toHaveLength(4); // 2 stopped, 2 replacements (no loop of replacing replacements)
    expect(pool.state).toBe('run');
    expect(await pool.apply(double, [4])).toBe(8);
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
