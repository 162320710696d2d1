/**
 * `concurrentTasksPerWorker`: a worker runs up to N batches at once while they await, answers
 * them as they finish, and everything else (results in order, errors, crashes, abort,
 * maxTasksPerChild, currentWorkerId) means what it means with one at a time. Synchronous tasks
 * still run one after another in a thread.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, WorkerCrashedError } from '@mpool/pool-core';
import { sleepLogged, sleepSpan, sleepThen, sleepThenExit, sleepThenFail, sleepWhoami, spinSpan, sqr, whoami } from './tasks.js';
import { poolTracker, range, rejectionOf, type ConformanceTarget } from './target.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Span = { start: number; end: number; workerId: number | undefined; pid: number; threadId: number };

export function registerConcurrencyTests(target: ConformanceTarget): void {
  describe('concurrentTasksPerWorker', () => {
    const makePool = poolTracker(target);
    const dirs: string[] = [];
    afterEach(() => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });
    const runLog = () => {
      const dir = mkdtempSync(join(tmpdir(), 'mpool-conc-'));
      dirs.push(dir);
      return join(dir, 'runs.log');
    };
    const runs = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

    it('rejects a value that is not an integer >= 1, naming the option and the value', () => {
      for (const bad of [0, -1, 1.5, Number.NaN, '2', null]) {
        const make = () => target.createPool({ processes: 1, concurrentTasksPerWorker: bad as never });
        expect(make).toThrow(RangeError);
        expect(make).toThrow(`: concurrentTasksPerWorker must be an integer >= 1, got ${String(bad)}`);
      }
    });

    it('processes: 1, concurrentTasksPerWorker: 4: four tasks awaiting 300 ms run at once', async () => {
      const pool = makePool({ processes: 1, concurrentTasksPerWorker: 4 });
      expect(pool.concurrentTasksPerWorker).toBe(4);
      // A first round starts the worker and imports the task (on a fleet: in each process that gets one); it is not timed.
      await Promise.all(range(4).map(() => pool.apply(sleepSpan, [50])));
      const began = performance.now();
      const spans = (await Promise.all(range(4).map(() => pool.apply(sleepSpan, [300])))) as Span[];
      const elapsed = performance.now() - began;
      expect(elapsed).toBeLessThan(900); // one after another: 1200 ms at least
      // All four were waiting at the same moment: each started before any ended.
      expect(Math.max(...spans.map((s) => s.start))).toBeLessThan(Math.min(...spans.map((s) => s.end)));
      expect(new Set(spans.map((s) => s.workerId)).size).toBe(1);
    });

    it('the default is one at a time: the same four tasks run one after another', async () => {
      const pool = makePool({ processes: 1 });
      expect(pool.concurrentTasksPerWorker).toBe(1);
      const spans = (await Promise.all(range(4).map(() => pool.apply(sleepSpan, [100])))) as Span[];
      spans.sort((a, b) => a.start - b.start);
      for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
    });

    it('synchronous tasks still run one after another in a thread, and every result is right', async () => {
      const pool = makePool({ processes: 1, concurrentTasksPerWorker: 4 });
      const spans = (await Promise.all(range(4).map(() => pool.apply(spinSpan, [80])))) as Span[];
      const byThread = new Map<string, Span[]>();
      for (const s of spans) byThread.set(`${s.pid}:${s.threadId}`, [...(byThread.get(`${s.pid}:${s.threadId}`) ?? []), s]);
      for (const list of byThread.values()) {
        list.sort((a, b) => a.start - b.start);
        for (let i = 1; i < list.length; i++) expect(list[i]!.start).toBeGreaterThanOrEqual(list[i - 1]!.end);
      }
      for (const s of spans) expect(s.end - s.start).toBeGreaterThanOrEqual(80);
    });

    it('starmap with chunksize 1: results come back in input order although the chunks finish out of order', async () => {
      const pool = makePool({ processes: 1, concurrentTasksPerWorker: 4 });
      await pool.apply(sqr, [2]); // the worker is up: start-up is not timed
      const ms = [400, 40, 300, 10, 180, 120, 20, 240];
      const began = performance.now();
      const values = await pool.starmap(sleepThen, ms.map((m, i) => [m, i] as [number, number]), 1);
      expect(values).toEqual(range(8));
      expect(performance.now() - began).toBeLessThan(ms.reduce((a, b) => a + b, 0)); // 1310 ms one after another; about 450 four at a time
    });

    it('a task rejecting among others fails only its own call, with its own error; the others keep their values', async () => {
      const pool = makePool({ processes: 1, concurrentTasksPerWorker: 4 });
      const calls = [
        pool.applyAsync(sleepThen, [150, 'a']),
        pool.applyAsync(sleepThenFail, [50, 'b refused']),
        pool.applyAsync(sleepThen, [100, 'c']),
        pool.applyAsync(sleepThen, [10, 'd']),
      ];
      const outcomes = await Promise.all(calls.map((c) => c.get(10_000).catch((e: unknown) => e)));
      expect(outcomes[0]).toBe('a');
      expect(outcomes[1]).toBeInstanceOf(RangeError);
      expect((outcomes[1] as Error).message).toBe('b refused');
      expect(outcomes.slice(2)).toEqual(['c', 'd']);
      expect(await pool.apply(sqr, [9])).toBe(81);
    });

    it('a crash rejects every task the worker held with WorkerCrashedError, at once; the pool carries on', async () => {
      const pool = makePool({ processes: 1, concurrentTasksPerWorker: 4 });
      await pool.apply(sqr, [2]);
      const began = performance.now();
      const waiting = range(3).map((i) => pool.applyAsync(sleepThen, [5000, i]));
      const crashing = pool.applyAsync(sleepThenExit, [100, 3]);
      const outcomes = await Promise.all([...waiting, crashing].map((c) => c.get(20_000).catch((e: unknown) => e)));
      for (const o of outcomes) expect(o).toBeInstanceOf(WorkerCrashedError);
      expect(performance.now() - began).toBeLessThan(4000); // nobody waited for the 5 s tasks
      expect(await pool.apply(sqr, [5])).toBe(25);
    });

    it('abort: an aborted job never shares its worker; the calls beside it run once, on the replacement', async () => {
      const pool = makePool({ processes: 1, concurrentTasksPerWorker: 4 });
      const file = runLog();
      await pool.apply(sqr, [2]);
      const controller = new AbortController();
      // Three chunks on the worker, which has room for a fourth task: the calls beside must not take it.
      const aborted = pool.mapAsync(sleepThen, [10_000, 10_000, 10_000], { chunksize: 1, signal: controller.signal });
      await sleep(100);
      const beside = range(3).map((i) => pool.applyAsync(sleepLogged, [file, `beside-${i}`, 300]));
      await sleep(150);
      controller.abort();
      expect(await rejectionOf(aborted.get(10_000))).toBeInstanceOf(AbortError);
      const values = await Promise.all(beside.map((c) => c.get(10_000)));
      expect(values.map((v) => v[0])).toEqual(['beside-0', 'beside-1', 'beside-2']);
      expect(runs(file).sort()).toEqual(['beside-0', 'beside-1', 'beside-2']); // each ran once
    });

    it('maxTasksPerChild counts every task, concurrent or not: no worker runs more, none is lost or run twice', async () => {
      const pool = makePool({ processes: 1, concurrentTasksPerWorker: 4, maxTasksPerChild: 2 });
      const file = runLog();
      const results = await Promise.all(range(8).map((i) => pool.apply(sleepLogged, [file, `t${i}`, 100])));
      expect(results.map((r) => r[0])).toEqual(range(8).map((i) => `t${i}`));
      const perWorker = new Map<unknown, number>();
      for (const [, id] of results) perWorker.set(id, (perWorker.get(id) ?? 0) + 1);
      expect(Math.max(...perWorker.values())).toBeLessThanOrEqual(2);
      expect(perWorker.size).toBeGreaterThanOrEqual(4);
      expect(runs(file).sort()).toEqual(range(8).map((i) => `t${i}`).sort());
    });

    it('currentWorkerId() stays the worker id after an await, with several tasks waiting at once', async () => {
      const pool = makePool({ processes: 1, concurrentTasksPerWorker: 4 });
      const { workerId } = await pool.apply(whoami);
      const ids = await Promise.all(range(8).map((i) => pool.apply(sleepWhoami, [20 + 10 * (i % 3)])));
      expect(ids).toEqual(range(8).map(() => workerId));
    });
  });
}
