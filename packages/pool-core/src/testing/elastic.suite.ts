/** Elastic size: minProcesses, idleTimeoutMs (see elastic-size.ts). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PoolStateError, type Pool } from '@mpool/pool-core';

/** Workers alive now: starting, serving, or asked to leave and not exited yet (see PoolStats). */
const poolWorkerCount = (pool: Pool): number => pool.stats().workers;
import { sleepThen, sleepWhoami, slowInitLogged, sqr, whoami } from './tasks.js';
import { poolTracker, range, rejectionOf, runInNode, type ConformanceTarget } from './target.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the pool has `count` workers; rejects with the count it has after `ms`. */
async function untilWorkerCount(pool: Pool, count: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (poolWorkerCount(pool) !== count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} workers within ${ms} ms, the pool has ${poolWorkerCount(pool)}`);
    await sleep(10);
  }
}

/**
 * Awaits `work`, sampling the worker count every 5 ms meanwhile; resolves with its result and the
 * most workers seen. Growth is asserted by the count (starting workers included), not by which
 * worker ran which task: how many tasks a worker still starting gets depends on how long it takes
 * to start, which a loaded machine stretches past any task length a test could afford.
 */
async function whileSampling<T>(pool: Pool, work: Promise<T>): Promise<{ result: T; most: number }> {
  let most = poolWorkerCount(pool);
  let settled = false;
  const done = work.finally(() => {
    settled = true;
  });
  while (!settled) {
    most = Math.max(most, poolWorkerCount(pool));
    await Promise.race([done.catch(() => undefined), sleep(5)]);
  }
  return { result: await done, most };
}

export function registerElasticTests(target: ConformanceTarget): void {
  describe('elastic size (minProcesses, idleTimeoutMs)', () => {
    const makePool = poolTracker(target);

    it('bad minProcesses / idleTimeoutMs are refused with RangeError naming the option and the value', () => {
      const cases: Array<[object, RegExp]> = [
        [{ processes: 2, minProcesses: 3 }, /minProcesses must be an integer from 0 to processes \(2\), got 3/],
        [{ processes: 2, minProcesses: -1 }, /minProcesses .* got -1/],
        [{ processes: 2, minProcesses: 1.5 }, /minProcesses .* got 1\.5/],
        [{ processes: 2, minProcesses: '1' }, /minProcesses .* got 1/],
        [{ processes: 2, idleTimeoutMs: 0 }, /idleTimeoutMs must be an integer from 1 to 2147483647 .* got 0/],
        [{ processes: 2, idleTimeoutMs: 2 ** 31 }, /idleTimeoutMs .* got 2147483648/],
        [{ processes: 2, idleTimeoutMs: Number.NaN }, /idleTimeoutMs .* got NaN/],
      ];
      for (const [options, message] of cases) expect(() => target.createPool(options)).toThrow(message);
      for (const [options] of cases) expect(() => target.createPool(options)).toThrow(RangeError);
    });

    it('minProcesses: 0 starts no worker before the first call, one for a lone call, and up to processes under load', async () => {
      const pool = makePool({ processes: 3, minProcesses: 0 });
      await sleep(200);
      expect(poolWorkerCount(pool)).toBe(0);
      expect(pool.processes).toBe(3); // the most, not the current count
      expect(await pool.apply(sqr, [7])).toBe(49);
      expect(poolWorkerCount(pool)).toBe(1); // a lone call needs one worker, not all of them
      const { result: ids, most } = await whileSampling(pool, Promise.all(range(6).map(() => pool.apply(sleepWhoami, [500]))));
      expect(most).toBe(3); // grows to processes, never more
      expect(ids).toHaveLength(6);
      for (const id of ids) expect(id).toEqual(expect.any(Number));
    });

    it('workers above minProcesses leave after idleTimeoutMs, never below it; the pool grows again on the next call', async () => {
      const pool = makePool({ processes: 3, minProcesses: 1, idleTimeoutMs: 150 });
      const grown = await whileSampling(pool, Promise.all(range(6).map(() => pool.apply(sleepWhoami, [500]))));
      expect(grown.most).toBe(3);
      await untilWorkerCount(pool, 1);
      await sleep(400);
      expect(poolWorkerCount(pool)).toBe(1);
      const { result: regrown, most } = await whileSampling(pool, Promise.all(range(6).map(() => pool.apply(sleepWhoami, [500]))));
      expect(most).toBe(3); // two workers start for the queued calls
      expect(regrown).toHaveLength(6);
      for (const id of regrown) expect(id).toEqual(expect.any(Number));
      await untilWorkerCount(pool, 1); // and leave again once idle
    });

    it('calls arriving just as idle workers leave are neither lost nor failed as crashes', async () => {
      const pool = makePool({ processes: 2, minProcesses: 0, idleTimeoutMs: 5 });
      // Each call lands around the moment the previous worker's idle time runs out.
      for (const i of range(25)) {
        await sleep(3 + (i % 5));
        expect(await pool.applyAsync(sqr, [i]).get(10_000)).toBe(i * i);
      }
      expect(await pool.map(sqr, range(20), 1)).toEqual(range(20).map((i) => i * i));
    });

    it('each new worker runs the initializer, after growing again too', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mpool-elastic-'));
      const log = join(dir, 'inits');
      try {
        const pool = makePool({ processes: 2, minProcesses: 0, idleTimeoutMs: 100, initializer: slowInitLogged, initargs: [log, 0] });
        const lines = () => readFileSync(log, 'utf8').trim().split('\n');
        // At least once per new worker: a BullMQ slot runs it in each fleet process that takes the
        // slot's jobs (see pool-bullmq's README), a local worker exactly once.
        await Promise.all(range(2).map(() => pool.apply(sleepThen, [400])));
        await untilWorkerCount(pool, 0); // a worker leaves only once it is ready: its initializer ran
        const grown = lines().length;
        expect(grown).toBeGreaterThanOrEqual(2);
        expect(await pool.apply(sqr, [3])).toBe(9);
        expect(lines().length).toBeGreaterThan(grown);
        if (target.name !== 'bullmq') expect(lines()).toHaveLength(3);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('maxTasksPerChild: a recycled worker is replaced to keep minProcesses, not more', async () => {
      const pool = makePool({ processes: 2, minProcesses: 1, maxTasksPerChild: 1 });
      const ids: Array<number | undefined> = [];
      for (const _ of range(3)) ids.push((await pool.apply(whoami)).workerId);
      expect(new Set(ids).size).toBe(3);
      await untilWorkerCount(pool, 1);
    });

    it('close() and join() of a pool with no worker resolve, before any call and after shrinking to none', async () => {
      const unused = makePool({ processes: 2, minProcesses: 0 });
      unused.close();
      await unused.join(2000);
      const shrunk = makePool({ processes: 2, minProcesses: 0, idleTimeoutMs: 50 });
      expect(await shrunk.apply(sqr, [2])).toBe(4);
      await untilWorkerCount(shrunk, 0);
      shrunk.close();
      await shrunk.join(2000);
      expect(await rejectionOf(shrunk.apply(sqr, [1]))).toBeInstanceOf(PoolStateError);
    });

    it('terminate() while the pool grows: every pending call rejects, every worker is gone', async () => {
      const pool = makePool({ processes: 3, minProcesses: 0 });
      const calls = range(10).map(() => pool.applyAsync(sleepThen, [1000]));
      await pool.terminate();
      await pool.join(5000);
      for (const call of calls) expect(await rejectionOf(call.get(1000))).toBeInstanceOf(PoolStateError);
      expect(poolWorkerCount(pool)).toBe(0);
    });

    it('an elastic pool, idle or shrunk to none, does not keep the process alive (its timers are unref\'d)', async () => {
      // With a ref'd idle timer of 60 s the script would hang; with a ref'd worker, too.
      const { code, stdout, stderr, hung } = await runInNode(
        target,
        `const p = createPool({ processes: 2, minProcesses: 0, idleTimeoutMs: 60000 });
         const q = createPool({ processes: 2, minProcesses: 0, idleTimeoutMs: 100 });
         console.log(await p.apply(sqr, [3]), await q.apply(sqr, [4]));
         await new Promise((resolve) => setTimeout(resolve, 500)); // q shrinks to none meanwhile
         console.log(await q.apply(sqr, [5])); // and grows again`,
      );
      expect(hung).toBe(false);
      expect(stderr).toBe('');
      expect(stdout.trim().split('\n')).toEqual(['9 16', '25']);
      expect(code).toBe(0);
    });
  });
}
