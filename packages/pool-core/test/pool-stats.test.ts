import { describe, expect, it } from 'vitest';
import { Pool, STATS_WINDOW, WorkerCrashedError } from '../src/index.js';
import { makeBatch, type Job } from '../src/job.js';
import { StatsCollector } from '../src/pool-stats.js';
import { TaskQueue } from '../src/task-queue.js';
import { Deque } from '../src/deque.js';
import { LoopbackTransport } from './fixtures/loopback.js';
import { double, fail } from './fixtures/tasks.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const job = { label: 'test', settled: false, deliver() {}, fail() {} } satisfies Job;
const batchOf = (items: number) => makeBatch(job, { module: 'm', name: 'n' }, false, range(items), 0, 0);
const done = (values: unknown[]) => ({ type: 'done' as const, id: 0, values });

describe('StatsCollector', () => {
  it('summarises only the last STATS_WINDOW samples: count, mean, nearest-rank percentiles, max', () => {
    const stats = new StatsCollector();
    // runTime samples are per task: a batch of one task that took k ms is a sample of k.
    for (let k = 1; k <= 2000; k++) stats.answered(batchOf(1), done([k]), k);
    const { runTime, completed } = stats.snapshot([], 0);
    expect(completed).toBe(2000);
    const first = 2000 - STATS_WINDOW + 1; // the oldest sample still in the window
    expect(runTime).toEqual({
      count: STATS_WINDOW,
      mean: (first + 2000) / 2,
      p50: first + STATS_WINDOW / 2 - 1,
      p90: first + Math.ceil(0.9 * STATS_WINDOW) - 1,
      p99: first + Math.ceil(0.99 * STATS_WINDOW) - 1,
      max: 2000,
    });
  });

  it('a batch of many tasks is one runTime sample of its time per task', () => {
    const stats = new StatsCollector();
    stats.answered(batchOf(10), done(range(10)), 50);
    expect(stats.snapshot([], 0).runTime).toMatchObject({ count: 1, p50: 5, max: 5 });
  });

  it('running, busy and in-progress busy time come from what the workers hold', () => {
    const stats = new StatsCollector();
    stats.resized(2);
    const held = new Deque<ReturnType<typeof batchOf>>();
    held.push(batchOf(3));
    held.push(batchOf(4));
    for (const b of held) stats.accepted(b);
    const s = stats.snapshot([{ held, busySince: performance.now() - 1000 }, { held: new Deque(), busySince: 0 }], 0);
    expect(s).toMatchObject({ workers: 2, busy: 1, idle: 1, running: 7, queued: 0, cancelled: 0 });
    expect(s.utilization).toBeGreaterThan(0);
    expect(s.utilization).toBeLessThanOrEqual(1);
  });
});

describe('TaskQueue', () => {
  it('counts the tasks of its batches through push, shift and drain', () => {
    const q = new TaskQueue(null);
    q.push(batchOf(3));
    q.push(batchOf(5));
    expect(q.tasks).toBe(8);
    q.shift();
    expect(q.tasks).toBe(5);
    q.shift();
    q.shift(); // empty: nothing to subtract
    expect(q.tasks).toBe(0);
    q.push(batchOf(2));
    q.drain();
    expect(q.tasks).toBe(0);
  });
});

describe('engine stats', () => {
  it('a crash fails exactly the tasks the worker held; the rest complete; every task is counted once', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 1 });
    await pool.map(double, range(10), 1); // `double` measured quick: messages carry several calls
    const results = range(40).map((i) => pool.applyAsync(double, [i]));
    await Promise.resolve(); // the tick's calls are sent
    const { running, queued } = pool.stats();
    expect(running + queued).toBe(40);
    transport.workers[0]!.die({ exitCode: 7, signal: null });
    const outcomes = await Promise.all(results.map((r) => r.get(1000).catch((e: unknown) => e)));
    const lost = outcomes.filter((o) => o instanceof WorkerCrashedError).length;
    expect(lost).toBe(running);
    expect(pool.stats()).toMatchObject({ crashed: 1, failed: lost, completed: 10 + 40 - lost, cancelled: 0, queued: 0, running: 0 });
    await pool.terminate();
  });

  it('a failed map leaves its queued chunks to be dropped lazily: they end up cancelled', async () => {
    const transport = new LoopbackTransport();
    const pool = new Pool(transport, { processes: 1 });
    const failing = pool.mapAsync(fail, ['x', 'y', 'z', 'w'], { chunksize: 1 });
    await failing.wait(1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pool.stats()).toMatchObject({ failed: 1, completed: 0, cancelled: 3, queued: 0, running: 0 });
    await pool.terminate();
  });
});
