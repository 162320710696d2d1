/**
 * What crosses the broker and what is left behind: value and error fidelity, no result lost or
 * doubled while the caller is blocked, nothing left in Redis after terminate or close.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AbortError, PoolStateError } from '../src/index.js';
import { echo, sleepEcho, spanOfSpin } from './fixtures/fleet-tasks.js';
import { privateFleet } from './harness/private-fleet.js';

const fleet = privateFleet('delivery');
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('values and errors cross the broker as structured clones', () => {
  it('Map, Set, BigInt, Date, typed arrays, Buffers and undefined arrive as they were sent, both ways', async () => {
    const pool = fleet.pool();
    const value = {
      map: new Map<unknown, unknown>([[1, { deep: new Set([2n ** 80n]) }]]),
      date: new Date(1_700_000_000_123),
      bytes: new Float64Array([1.5, Number.NaN, -0]),
      buffer: Buffer.from('héllo'),
      nothing: undefined,
      list: [undefined, null, -0],
    };
    const back = await pool.apply(echo, [value]);
    expect(back).toEqual(value);
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect('nothing' in back).toBe(true);
    expect(Object.is(back.list[2], -0)).toBe(true);
    pool.close();
    await pool.join(10_000);
  });
});

describe('a slot is one worker: with concurrentTasksPerWorker 1 it runs one message at a time', () => {
  it('processes: 1, a map of quick tasks on a fleet of two: never two tasks at once, and in input order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpool-order-'));
    try {
      const file = join(dir, 'spans');
      const pool = fleet.pool({ processes: 1 });
      // 3 ms tasks are quick: the engine sends the next message while one runs (its prefetch).
      expect(await pool.starmap(spanOfSpin, range(300).map((i) => [file, i, 3] as [string, number, number]), 1)).toEqual(range(300));
      const spans = readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split(' ').map(Number) as [number, number, number]);
      expect(spans.map(([i]) => i)).toEqual(range(300));
      const overlaps = spans.filter(([, start], k) => k > 0 && start < spans[k - 1]![2]);
      expect(overlaps).toEqual([]);
      pool.close();
      await pool.join(10_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('no result is lost or delivered twice', () => {
  it("20,000 tasks completing while the caller's event loop is blocked for 3 s: every result arrives exactly once", async () => {
    const pool = fleet.pool({ processes: 4 });
    await pool.apply(echo, [0]);
    const calls = new Map<number, number>();
    const results = range(20_000).map((i) =>
      pool.applyAsync(echo, [i], { callback: (v) => calls.set(v as number, (calls.get(v as number) ?? 0) + 1) }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first jobs are on the fleet
    const until = Date.now() + 3000;
    while (Date.now() < until); // the fleet keeps completing jobs meanwhile
    const values = await Promise.all(results.map((r) => r.get(60_000)));
    expect(values).toEqual(range(20_000));
    expect(calls.size).toBe(20_000);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    pool.close();
    await pool.join(10_000);
  }, 90_000);
});

describe('memory stays bounded', () => {
  it('a 10^6-item imapUnordered: Redis, the caller and the workers keep bounded memory (finished jobs are removed)', async () => {
    const pool = fleet.pool({ processes: 4 });
    await pool.apply(echo, [0]);
    const baseline = await fleet.probe.usedMemory();
    const rssBefore = process.memoryUsage().rss;
    let count = 0;
    let sum = 0;
    let peakRedis = 0;
    function* items() {
      for (let i = 0; i < 1_000_000; i++) yield i;
    }
    for await (const v of pool.imapUnordered(echo, items(), { chunksize: 1000 })) {
      sum += v;
      if (++count % 100_000 === 0) peakRedis = Math.max(peakRedis, (await fleet.probe.usedMemory()) - baseline);
    }
    expect(count).toBe(1_000_000);
    expect(sum).toBe((999_999 * 1_000_000) / 2);
    // In flight at most ~2 jobs per slot of 1,000 items (~10 KB each): a few hundred KB, not the 10^6 items.
    expect(peakRedis).toBeLessThan(32 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    for (const w of fleet.workers) {
      const rss = Number(readFileSync(`/proc/${w.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)![1]) * 1024;
      expect(rss).toBeLessThan(400 * 1024 * 1024);
    }
    // A worker pushes a job's outcome before BullMQ removes the finished job: the last ones go a moment later.
    await expect.poll(async () => (await fleet.probe.keys(`bull:${fleet.queue}:${pool.id}-*`)).length, { timeout: 5000 }).toBe(0);
    pool.close();
    await pool.join(10_000);
  }, 120_000);
});

describe('nothing of a pool is left behind', () => {
  it('terminate() with 10,000 calls queued: join() within 2 s, all reject, no job of the pool waits in Redis, its keys are gone', async () => {
    const pool = fleet.pool({ processes: 2 });
    const results = range(10_000).map(() => pool.applyAsync(sleepEcho, [100, 1]));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await pool.terminate();
    await pool.join(2000);
    expect(Date.now() - started).toBeLessThan(2000);
    const outcomes = await Promise.all(results.map((r) => r.get(0).then(() => 'ok', (e: unknown) => (e instanceof PoolStateError ? 'rejected' : String(e)))));
    expect(outcomes.filter((o) => o === 'rejected').length).toBeGreaterThan(9_900);
    // A job being cancelled may still be active for a moment on its worker.
    let left: string[] = [];
    for (let i = 0; i < 20; i++) {
      left = (await fleet.probe.pendingJobIds(fleet.queue)).filter((id) => id.startsWith(`${pool.id}-`));
      if (left.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(left).toEqual([]);
    expect(await fleet.probe.keys(`bull:${fleet.queue}:mpool:*${pool.id}*`)).toEqual([]);
  });

  it('close() + join() closes every connection the pool opened', async () => {
    const before = (await fleet.probe.connectionNames()).filter((n) => n.startsWith('mpool:p'));
    const pool = fleet.pool();
    expect(await pool.map(echo, range(100), 10)).toEqual(range(100));
    const during = (await fleet.probe.connectionNames()).filter((n) => n.includes(pool.id));
    expect(during.length).toBeGreaterThan(0);
    pool.close();
    await pool.join(10_000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // Redis drops a closed socket's client a moment later
    expect((await fleet.probe.connectionNames()).filter((n) => n.startsWith('mpool:p'))).toEqual(before);
  });

  it('an AbortSignal on a queued map drops its jobs from Redis', async () => {
    const pool = fleet.pool({ processes: 2 });
    const controller = new AbortController();
    const map = pool.starmap(sleepEcho, range(40).map((i) => [200, i] as [number, number]), { chunksize: 1, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    expect(await map.catch((e: unknown) => e)).toBeInstanceOf(AbortError);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await fleet.probe.pendingJobIds(fleet.queue)).filter((id) => id.startsWith(`${pool.id}-`))).toEqual([]);
    expect(await pool.apply(echo, [5])).toBe(5);
    pool.close();
    await pool.join(10_000);
  });
});
