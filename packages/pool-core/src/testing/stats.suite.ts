/** `pool.stats()`: counts after known workloads, the state while work waits, times, and the object itself. */
import { describe, expect, it } from 'vitest';
import { AbortError, PoolStateError, WorkerCrashedError, type Pool } from '@mpool/pool-core';
import { exitNow, sleepThen, spin, sqr, squareExceptFive, throwTypeError } from './tasks.js';
import { poolTracker, range, rejectionOf, type ConformanceTarget } from './target.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `pool.stats()` until `ok` holds (every wait has a way out: 10 s). */
async function statsWhen(pool: Pool, ok: (s: ReturnType<Pool['stats']>) => boolean): Promise<ReturnType<Pool['stats']>> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(10)) {
    const s = pool.stats();
    if (ok(s)) return s;
  }
  throw new Error(`stats never reached the expected state; last: ${JSON.stringify(pool.stats())}`);
}

export function registerStatsTests(target: ConformanceTarget): void {
  describe('stats()', () => {
    const makePool = poolTracker(target);

    it('a new pool: its workers, nothing done, empty time summaries', () => {
      const s = makePool({ processes: 2 }).stats();
      expect(s).toMatchObject({ workers: 2, busy: 0, idle: 2, queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0, crashed: 0 });
      expect(s.runTime).toEqual({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
      expect(s.waitTime.count).toBe(0);
    });

    it('10 applies: completed 10, nothing queued or running, one run and wait sample per call', async () => {
      const pool = makePool({ processes: 2 });
      for (const i of range(10)) expect(await pool.apply(sqr, [i])).toBe(i * i);
      const s = pool.stats();
      expect(s).toMatchObject({ workers: 2, busy: 0, idle: 2, queued: 0, running: 0, completed: 10, failed: 0, cancelled: 0, crashed: 0 });
      expect(s.runTime.count).toBe(10);
      expect(s.waitTime.count).toBe(10);
      expect(s.runTime.max).toBeGreaterThanOrEqual(s.runTime.p99);
      expect(s.runTime.p99).toBeGreaterThanOrEqual(s.runTime.p50);
      expect(s.runTime.p50).toBeGreaterThan(0);
    });

    it('a map of 100 items counts 100 tasks, one sample per chunk', async () => {
      const pool = makePool({ processes: 2 });
      await pool.map(sqr, range(100), 10);
      const s = pool.stats();
      expect(s).toMatchObject({ completed: 100, failed: 0, cancelled: 0, queued: 0, running: 0 });
      expect(s.runTime.count).toBe(10);
      expect(s.waitTime.count).toBe(10);
    });

    it('a failing task counts failed 1; in a failing chunk the items before count completed, the ones after cancelled', async () => {
      const pool = makePool({ processes: 1 });
      await rejectionOf(pool.apply(throwTypeError, ['no']));
      expect(pool.stats()).toMatchObject({ completed: 0, failed: 1, cancelled: 0, crashed: 0 });
      await rejectionOf(pool.map(squareExceptFive, range(10), 10)); // one chunk: 0..4 ran, 5 threw, 6..9 never ran
      expect(pool.stats()).toMatchObject({ completed: 5, failed: 2, cancelled: 4, queued: 0, running: 0 });
    });

    it('a worker crash counts crashed 1 and its task failed; the replacement counts as a worker', async () => {
      const pool = makePool({ processes: 1 });
      expect(await pool.apply(sqr, [2])).toBe(4);
      expect(await rejectionOf(pool.apply(exitNow, [3]))).toBeInstanceOf(WorkerCrashedError);
      expect(pool.stats()).toMatchObject({ workers: 1, crashed: 1, failed: 1, completed: 1, running: 0 });
      expect(await pool.apply(sqr, [3])).toBe(9);
      expect(pool.stats()).toMatchObject({ crashed: 1, completed: 2 });
    });

    it('while a long task holds the only worker: busy 1, running 1, the others queued; they are counted done after', async () => {
      const pool = makePool({ processes: 1 });
      await pool.apply(sqr, [1]); // the worker is ready
      const long = pool.applyAsync(sleepThen, [300, 'long']);
      const short = range(5).map((i) => pool.applyAsync(sqr, [i]));
      await sleep(50);
      expect(pool.stats()).toMatchObject({ workers: 1, busy: 1, idle: 0, running: 1, queued: 5, completed: 1 });
      expect(await long.get(10_000)).toBe('long');
      expect(await Promise.all(short.map((r) => r.get(10_000)))).toEqual(range(5).map((i) => i * i));
      const s = pool.stats();
      expect(s).toMatchObject({ busy: 0, running: 0, queued: 0, completed: 7 });
      expect(s.waitTime.max).toBeGreaterThanOrEqual(150); // the short ones waited behind the long one
      expect(s.waitTime.max).toBeLessThan(10_000);
    });

    it('runTime of tasks sleeping 50 ms: p50 within generous bounds', async () => {
      const pool = makePool({ processes: 2 });
      await pool.map(sleepThen, [50, 50, 50, 50, 50, 50], 1);
      const { runTime } = pool.stats();
      expect(runTime.count).toBe(6);
      expect(runTime.p50).toBeGreaterThanOrEqual(45);
      expect(runTime.p50).toBeLessThan(2000);
      expect(runTime.mean).toBeGreaterThanOrEqual(45);
    });

    it('utilization is above 0 while and after a worker is busy, and at most 1', async () => {
      const pool = makePool({ processes: 1 });
      await pool.apply(sqr, [1]);
      const running = pool.applyAsync(spin, [300]);
      await sleep(150);
      const during = pool.stats().utilization;
      expect(during).toBeGreaterThan(0);
      expect(during).toBeLessThanOrEqual(1);
      await running.get(10_000);
      const after = pool.stats().utilization;
      expect(after).toBeGreaterThan(0);
      expect(after).toBeLessThanOrEqual(1);
    });

    it('an aborted call is cancelled, not failed; its worker was stopped on purpose, not crashed', async () => {
      const pool = makePool({ processes: 1 });
      await pool.apply(sqr, [1]);
      const controller = new AbortController();
      const call = pool.apply(sleepThen, [10_000], { signal: controller.signal });
      await statsWhen(pool, (s) => s.running === 1);
      controller.abort();
      expect(await rejectionOf(call)).toBeInstanceOf(AbortError);
      const s = await statsWhen(pool, (x) => x.running === 0 && x.workers === 1);
      expect(s).toMatchObject({ completed: 1, failed: 0, cancelled: 1, crashed: 0 });
    });

    it('returns a fresh plain object each call: changing it changes nothing', async () => {
      const pool = makePool({ processes: 1 });
      await pool.apply(sqr, [1]);
      const s = pool.stats();
      expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
      s.completed = 99;
      s.runTime.count = 99;
      const again = pool.stats();
      expect(again).not.toBe(s);
      expect(again.completed).toBe(1);
      expect(again.runTime.count).toBe(1);
    });

    it('after terminate(): still works; what was pending counts cancelled, no worker is left or crashed', async () => {
      const pool = makePool({ processes: 1 });
      await pool.apply(sqr, [1]);
      const pending = [pool.applyAsync(sleepThen, [10_000]), ...range(3).map((i) => pool.applyAsync(sqr, [i]))];
      await statsWhen(pool, (s) => s.running === 1);
      await pool.terminate();
      for (const r of pending) expect(await rejectionOf(r.get(1000))).toBeInstanceOf(PoolStateError);
      const s = pool.stats();
      expect(s).toMatchObject({ workers: 0, busy: 0, idle: 0, queued: 0, running: 0, completed: 1, failed: 0, cancelled: 4, crashed: 0 });
      expect(s.utilization).toBeGreaterThan(0);
      expect(s.utilization).toBeLessThanOrEqual(1);
    });

    it('stats: false turns collection off (stats() says so); a stats value that is not a boolean is refused', async () => {
      const pool = makePool({ processes: 1, stats: false });
      expect(await pool.apply(sqr, [3])).toBe(9);
      expect(() => pool.stats()).toThrow(PoolStateError);
      expect(() => pool.stats()).toThrow(/stats: false/);
      expect(() => makePool({ processes: 1, stats: 'yes' as never })).toThrow(TypeError);
      expect(() => makePool({ processes: 1, stats: 'yes' as never })).toThrow(/stats must be true or false, got "yes"/);
    });
  });
}
