/**
 * Faults on a fleet: a task's process killed, a whole mpool-worker killed or frozen, an abort of
 * a task running remotely, Redis restarted mid-map and Redis gone for good. The fleet runs with
 * --lock-ms 2000 --stalled-ms 2000, as the README's detection-time figures assume.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, RedisUnavailableError, WorkerCrashedError } from '../src/index.js';
import { echo, pidThenSleep, sleepEcho, whichHost } from './fixtures/fleet-tasks.js';
import { privateFleet } from './harness/private-fleet.js';

const fleet = privateFleet('faults');
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A file the task writes its pid and its mpool-worker's pid to; resolves with both once written. */
function pidFile(): { file: string; read(): Promise<{ task: number; host: number }> } {
  const dir = mkdtempSync(join(tmpdir(), 'mpool-fault-'));
  dirs.push(dir);
  const file = join(dir, 'pid');
  return {
    file,
    async read() {
      for (let i = 0; i < 200; i++) {
        try {
          const [task, host] = readFileSync(file, 'utf8').trim().split(' ').map(Number);
          if (task && host) return { task, host };
        } catch {
          // not yet written
        }
        await sleep(25);
      }
      throw new Error('the task never wrote its pid');
    },
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('processes that die on the fleet', () => {
  it("kill -9 of a task's process: that call rejects with WorkerCrashedError (signal SIGKILL), the pool carries on", async () => {
    const pool = fleet.pool({ processes: 1 });
    const probe = pidFile();
    const call = pool.apply(pidThenSleep, [probe.file, 20_000]);
    const { task } = await probe.read();
    process.kill(task, 'SIGKILL');
    const error = (await call.catch((e: unknown) => e)) as WorkerCrashedError;
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.signal).toBe('SIGKILL');
    expect(error.message).toMatch(/worker \d+ was killed by SIGKILL/);
    expect(await pool.map(echo, range(50), 5)).toEqual(range(50));
    pool.close();
    await pool.join(10_000);
  });

  for (const how of ['SIGKILL', 'SIGSTOP'] as const) {
    it(`${how} of a whole mpool-worker holding a job: the other worker runs it again within 10 s and the call succeeds`, async () => {
      const pool = fleet.pool({ processes: 1 });
      const probe = pidFile();
      const call = pool.apply(pidThenSleep, [probe.file, 1500]);
      const { host } = await probe.read();
      const victim = fleet.workers.find((w) => w.pid === host)!;
      expect(victim).toBeDefined();
      const killedAt = Date.now();
      process.kill(host, how);
      try {
        expect(await call).toBe(1500); // the re-run on the other worker
        expect(Date.now() - killedAt).toBeLessThan(10_000);
        const after = await probe.read();
        expect(after.host).not.toBe(host);
      } finally {
        if (how === 'SIGSTOP') process.kill(host, 'SIGKILL');
        await victim.stop();
        fleet.workers.splice(fleet.workers.indexOf(victim), 1);
        await fleet.addWorker();
      }
      pool.close();
      await pool.join(10_000);
    }, 30_000);
  }

  it('an AbortSignal on a task running remotely stops its process there and rejects with AbortError', async () => {
    const pool = fleet.pool({ processes: 1 });
    const probe = pidFile();
    const controller = new AbortController();
    const call = pool.apply(pidThenSleep, [probe.file, 20_000], { signal: controller.signal });
    const { task } = await probe.read();
    controller.abort();
    expect(await call.catch((e: unknown) => e)).toBeInstanceOf(AbortError);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = !alive(task);
      if (!gone) await sleep(50);
    }
    expect(gone).toBe(true);
    expect(await pool.apply(echo, ['after'])).toBe('after');
    pool.close();
    await pool.join(10_000);
  });
});

describe('Redis faults', () => {
  it('redis-server stopped mid-map and started again on the same port 2 s later: the map completes', async () => {
    const pool = fleet.pool({ processes: 4 });
    await pool.apply(echo, [0]);
    const map = pool.starmap(sleepEcho, range(400).map((i) => [20, i] as [number, number]), 4); // ~2 s of work on 4 slots
    await sleep(300);
    await fleet.redis.kill();
    await sleep(2000);
    await fleet.redis.restart();
    const out = await map;
    expect(out).toEqual(range(400));
    // Both workers serve again.
    const hosts = new Set(await pool.map(whichHost, range(40).map(() => undefined), 1));
    expect(hosts.size).toBeGreaterThanOrEqual(1);
    pool.close();
    await pool.join(10_000);
  }, 60_000);

  it('Redis gone for good: pending calls reject with RedisUnavailableError within connectTimeoutMs + 1 s, nothing hangs', async () => {
    const pool = fleet.pool({ processes: 2, connectTimeoutMs: 2000 });
    await pool.apply(echo, [0]);
    const pending = pool.starmap(sleepEcho, range(100).map((i) => [50, i] as [number, number]), 1);
    await sleep(100);
    await fleet.redis.kill();
    const stoppedAt = Date.now();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ has been unreachable/);
    expect(Date.now() - stoppedAt).toBeLessThan(3000 + 1000);
    // A call made while Redis is still gone fails the same way.
    const later = Date.now();
    expect(await pool.apply(echo, [1]).catch((e: unknown) => e)).toBeInstanceOf(RedisUnavailableError);
    expect(Date.now() - later).toBeLessThan(1500);
    const terminating = Date.now();
    await pool.terminate();
    await pool.join(5000);
    expect(Date.now() - terminating).toBeLessThan(3000);
    await fleet.redis.restart(); // for the tests after this one
  }, 60_000);
});
