/** Killing children: kill -9 from outside, SIGTERM then SIGKILL, exits that user code cannot stop. */
import { describe, expect, it } from 'vitest';
import { KILL_GRACE_MS, PoolStateError, WorkerCrashedError, type TaskLike } from '../src/index.js';
import { ignoreSigterm, leaveTimerOpen, pid, sleepMs, sleepThenPid, spinMs } from './fixtures/tasks.js';
import { isRunning, sleep, trackedPools } from './helpers.js';

const rejectionOf = (p: Promise<unknown>) => p.then(() => expect.unreachable('expected a rejection'), (error: unknown) => error);

describe('kill -9 of a worker from outside', () => {
  const { makePool, seen } = trackedPools();

  const cases: Array<[string, TaskLike<(ms: number) => unknown>]> = [
    ['awaiting a timer', sleepMs],
    ['in a synchronous loop', spinMs],
  ];
  for (const [how, task] of cases) {
    it(`mid-task (${how}): the tasks it held reject with signal SIGKILL, it is replaced, later tasks succeed`, async () => {
      const pool = makePool({ processes: 1 });
      const victim = await pool.apply(pid);
      const running = pool.applyAsync(task, [20_000]);
      const queued = pool.applyAsync(pid); // held behind the running one, or still queued
      await sleep(300);
      process.kill(victim, 'SIGKILL');
      const error = (await rejectionOf(running.get(10_000))) as WorkerCrashedError;
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error.signal).toBe('SIGKILL');
      expect(error.exitCode).toBeNull();
      expect(error.message).toMatch(/killed by SIGKILL/);
      const next = await queued.get(10_000).catch((e: unknown) => e);
      if (typeof next !== 'number') expect((next as WorkerCrashedError).signal).toBe('SIGKILL');
      expect(isRunning(victim)).toBe(false);
      const replacement = await pool.apply(pid);
      seen(victim, replacement);
      expect(replacement).not.toBe(victim);
      expect(await pool.map(sleepMs, [1, 2, 3], 1)).toEqual([1, 2, 3]);
    });
  }

  it('a pool of 2: only the tasks of the killed child fail; the other child keeps its work', async () => {
    const pool = makePool({ processes: 2 });
    await pool.map(sleepMs, [200, 200], 1); // both children are ready
    const [victim, survivor] = pool.pids;
    const slow = [1, 2, 3, 4].map(() => pool.applyAsync(sleepThenPid, [1500]));
    await sleep(300);
    process.kill(victim!, 'SIGKILL');
    const outcomes = await Promise.all(slow.map((r) => r.get(10_000).then((p) => p, (e: WorkerCrashedError) => e.signal)));
    expect(outcomes).toContain('SIGKILL'); // what the victim held
    expect(outcomes).toContain(survivor); // what the other child held
    // Work still queued at the kill went to the survivor or to the victim's replacement.
    for (const outcome of outcomes) if (outcome !== 'SIGKILL') expect(outcome).not.toBe(victim);
    expect(await pool.map(pid, [1, 2, 3, 4], 1)).toHaveLength(4);
  });
});

describe('stopping children', () => {
  const { makePool, seen } = trackedPools();

  it('terminate(): a child that ignores SIGTERM gets SIGKILL after the grace period; join() waits for it', async () => {
    const pool = makePool({ processes: 1 });
    const child = await pool.apply(ignoreSigterm);
    const running = pool.applyAsync(sleepMs, [60_000]);
    const started = Date.now();
    await pool.terminate();
    await pool.join(10_000);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(KILL_GRACE_MS - 100);
    expect(took).toBeLessThan(KILL_GRACE_MS + 5000);
    expect(isRunning(child!)).toBe(false);
    expect(pool.pids).toEqual([]);
    expect(await rejectionOf(running.get(0))).toBeInstanceOf(PoolStateError);
  });

  it('terminate() of busy children: join() resolves only once every child has exited', async () => {
    const pool = makePool({ processes: 2 });
    const pids = pool.pids;
    pool.map(spinMs, [20_000, 20_000], 1).catch(() => undefined);
    await sleep(300);
    await pool.terminate();
    await pool.join(5000);
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it('close() + join(): a child whose task left a timer running still exits, promptly', async () => {
    const pool = makePool({ processes: 2 });
    const pids = await pool.map(leaveTimerOpen, [1, 2, 3, 4], 1);
    seen(...pids);
    const started = Date.now();
    pool.close();
    await pool.join(10_000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it('maxTasksPerChild: retired children exit (no process left behind)', async () => {
    const pool = makePool({ processes: 2, maxTasksPerChild: 2 });
    const pids = await pool.map(pid, Array.from({ length: 12 }, (_, i) => i), 1);
    seen(...pids);
    expect(new Set(pids).size).toBeGreaterThanOrEqual(6);
    pool.close();
    await pool.join(10_000);
    expect([...new Set(pids)].filter(isRunning)).toEqual([]);
  });

  it('a child that cannot start (bad cwd) fails the pool with WorkerCrashedError naming the cause', async () => {
    const pool = makePool({ processes: 1, cwd: '/nonexistent/mpool-procs-test' });
    const error = (await rejectionOf(pool.apply(pid))) as WorkerCrashedError;
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(String((error.cause as Error | undefined)?.message ?? error.message)).toMatch(/ENOENT|nonexistent/);
  });
});
