/** The bounded queue and back-pressure: maxQueue, QueueFullError, room() (see queue-room.ts). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AbortError, PoolStateError, QueueFullError } from '@mpool/pool-core';
import { recordRun, sleepThen, sqr } from './tasks.js';
import { drain, poolTracker, range, rejectionOf, runInNode, untilWorkersReady, type ConformanceTarget } from './target.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settled within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = await Promise.race([promise.then(() => true, () => true), sleep(ms).then(() => false)]);
  return settled;
}

/**
 * Tasks of the RSS test: 10^7 as the issue asks, where a backend runs them in seconds. A BullMQ
 * fleet runs ~10^4 calls a second through Redis (bench/RESULTS.md), so 10^7 would take hours; 2·10^5
 * still makes an unbounded queue (hundreds of MB of pending calls) tell from a bounded one.
 */
function rssTestTasks(target: ConformanceTarget): number {
  return target.name === 'bullmq' ? 200_000 : 10_000_000;
}

export function registerBackPressureTests(target: ConformanceTarget): void {
  describe('bounded queue and back-pressure (maxQueue, room())', () => {
    const makePool = poolTracker(target);

    it('a bad maxQueue is refused with RangeError naming the value', () => {
      for (const bad of [0, -1, 1.5, '10', Number.NaN]) {
        expect(() => target.createPool({ processes: 1, maxQueue: bad as number })).toThrow(new RegExp(`maxQueue must be an integer >= 1.*got ${String(bad)}`));
      }
    });

    it('a call that would overflow maxQueue is refused at once with QueueFullError, whole; nothing of it runs', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mpool-queue-'));
      const log = join(dir, 'runs');
      try {
        const pool = makePool({ processes: 1, maxQueue: 3 });
        await untilWorkersReady(pool, 1);
        const running = pool.applyAsync(sleepThen, [400]); // on the worker: not queued
        const queued = range(3).map((i) => pool.applyAsync(recordRun, [log, `queued ${i}`, 0]));
        const refused = pool.applyAsync(recordRun, [log, 'refused apply', 0], { errorCallback: () => undefined });
        expect(refused.ready()).toBe(true); // at once, not when the queue moves
        const error = (await rejectionOf(refused.get())) as QueueFullError;
        expect(error).toBeInstanceOf(QueueFullError);
        expect(error.message).toMatch(/applyAsync: the pool's queue is full: this task would exceed maxQueue 3 \(3 waiting/);
        expect([error.maxQueue, error.queued, error.requested]).toEqual([3, 3, 1]);
        expect(await rejectionOf(pool.apply(recordRun, [log, 'refused apply', 0]))).toBeInstanceOf(QueueFullError);
        expect(await rejectionOf(pool.starmap(recordRun, [[log, 'refused starmap', 0]]))).toBeInstanceOf(QueueFullError);
        await Promise.all([running, ...queued].map((r) => r.get(10_000)));
        expect(await pool.map(sqr, [1, 2, 3], 1)).toEqual([1, 4, 9]); // room again
        const big = (await rejectionOf(pool.map(sqr, range(4)))) as QueueFullError;
        expect(big.message).toMatch(/these 4 tasks would exceed maxQueue 3.*can never fit/);
        const runs = readFileSync(log, 'utf8').trim().split('\n');
        expect(runs.sort()).toEqual(['queued 0', 'queued 1', 'queued 2']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('room() resolves at once while there is room, and wakes a waiting producer when a task leaves the queue', async () => {
      const pool = makePool({ processes: 1, maxQueue: 1 });
      await untilWorkersReady(pool, 1);
      expect(await settlesWithin(pool.room(), 50)).toBe(true);
      const running = pool.applyAsync(sleepThen, [500, 'first']);
      const queued = pool.applyAsync(sqr, [3]);
      const waiting = pool.room();
      expect(await settlesWithin(waiting, 200)).toBe(false);
      await waiting; // once the first task is done, the queued one goes to the worker
      expect(running.ready()).toBe(true);
      expect(await pool.applyAsync(sqr, [4]).get(10_000)).toBe(16);
      expect(await queued.get(10_000)).toBe(9);
    });

    it('room() rejects with PoolStateError when the pool is terminated or closed while waiting, and after', async () => {
      for (const end of ['terminate', 'close'] as const) {
        const pool = makePool({ processes: 1, maxQueue: 1 });
        await untilWorkersReady(pool, 1);
        pool.applyAsync(sleepThen, [2000], { errorCallback: () => undefined });
        pool.applyAsync(sqr, [1], { errorCallback: () => undefined });
        const waiting = pool.room();
        expect(await settlesWithin(waiting, 100)).toBe(false);
        if (end === 'terminate') void pool.terminate();
        else pool.close();
        const error = await rejectionOf(waiting);
        expect(error).toBeInstanceOf(PoolStateError);
        expect((error as Error).message).toMatch(new RegExp(`room\\(\\): the pool was ${end === 'close' ? 'closed' : 'terminated'}`));
        expect(await rejectionOf(pool.room())).toBeInstanceOf(PoolStateError);
      }
    });

    it('room(n, { signal }): an abort stops the wait with AbortError; n above maxQueue is a RangeError', async () => {
      const pool = makePool({ processes: 1, maxQueue: 2 });
      await untilWorkersReady(pool, 1);
      pool.applyAsync(sleepThen, [1000]);
      pool.applyAsync(sqr, [1]);
      const controller = new AbortController();
      const waiting = pool.room(2, { signal: controller.signal });
      controller.abort(new Error('shutting down'));
      const error = (await rejectionOf(waiting)) as AbortError;
      expect(error).toBeInstanceOf(AbortError);
      expect((error.cause as Error).message).toBe('shutting down');
      expect(await rejectionOf(pool.room(3))).toBeInstanceOf(RangeError);
    });

    it('imap is bounded by its buffersize, not by maxQueue: it is never refused half way', async () => {
      const pool = makePool({ processes: 1, maxQueue: 2 });
      await untilWorkersReady(pool, 1);
      const running = pool.applyAsync(sleepThen, [300]);
      const queued = range(2).map((i) => pool.applyAsync(sqr, [i]));
      expect(pool.applyAsync(sqr, [9]).ready()).toBe(true); // the queue is full
      expect(await drain(pool.imap(sqr, range(30), { buffersize: 4 }))).toEqual(range(30).map((i) => i * i));
      await Promise.all([running, ...queued].map((r) => r.get(10_000)));
    });

    const rssTasks = rssTestTasks(target);
    it(`a producer of ${rssTasks.toLocaleString('en-US')} applyAsync calls that awaits room() keeps RSS bounded`, { timeout: 300_000 }, async () => {
      const { code, stdout, stderr, hung } = await runInNode(
        target,
        `const n = ${rssTasks};
         const p = createPool({ processes: 2, maxQueue: 1000 });
         await p.map(sqr, range(1000));
         let ok = 0, failed = 0, base = 0, peak = 0;
         const onOk = () => ok++, onError = () => failed++;
         for (let i = 0; i < n; i++) {
           await p.room();
           p.applyAsync(tasks.add, [i, 1], { callback: onOk, errorCallback: onError });
           if (i % 16384 === 0) {
             const rss = process.memoryUsage().rss;
             if (i <= n / 20) base = Math.max(base, rss); // the first 5 %: warm, steady state
             else peak = Math.max(peak, rss);
           }
         }
         p.close();
         await p.join();
         console.log(JSON.stringify({ ok, failed, base, peak }));
         function range(k) { return Array.from({ length: k }, (_, i) => i); }`,
        { hangMs: 280_000 },
      );
      expect(hung).toBe(false);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const { ok, failed, base, peak } = JSON.parse(stdout.trim().split('\n').pop()!) as { ok: number; failed: number; base: number; peak: number };
      expect({ ok, failed }).toEqual({ ok: rssTasks, failed: 0 });
      // Unbounded, the pending calls alone would take GBs (hundreds of bytes each); allow GC slack.
      expect(peak - base).toBeLessThan(150 * 1024 * 1024);
    });
  });
}
