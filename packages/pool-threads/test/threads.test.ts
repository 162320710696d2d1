/** Threads-only behaviour: TypeScript tasks from source, the built ESM/CJS entries, resource limits. */
import { createRequire } from 'node:module';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { EncodingError, PoolError, PoolStateError, WorkerCrashedError } from '@mpool/pool-core';
import { ThreadPool } from '../src/index.js';
import { allocate, norm, whichThread } from './fixtures/ts-tasks.js';

const pools: Array<{ terminate(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.terminate()));
});
function track<T extends { terminate(): Promise<void> }>(pool: T): T {
  pools.push(pool);
  return pool;
}

describe('ThreadPool [backend: threads]', () => {
  it('runs a .ts task module from source, in other threads', async () => {
    const pool = track(new ThreadPool({ processes: 2 }));
    expect(await pool.map(norm, [{ x: 3, y: 4 }, { x: 6, y: 8 }])).toEqual([5, 10]);
    const threads = new Set(await pool.map(whichThread, [undefined, undefined, undefined, undefined], 1));
    expect(threads.has(threadId)).toBe(false);
  });

  it('the built ESM entry runs .js task modules', async () => {
    const { ThreadPool: BuiltPool } = await import('../dist/index.js');
    const { triple } = await import('./fixtures/js-tasks.mjs');
    const pool = track(new BuiltPool({ processes: 1 }));
    expect(await pool.map(triple, [1, 2, 3])).toEqual([3, 6, 9]);
  });

  it('the built CJS entry runs CommonJS task modules declared with __filename', async () => {
    const require = createRequire(import.meta.url);
    const { ThreadPool: CjsPool } = require('../dist/index.cjs');
    const { negate } = require('./fixtures/cjs-tasks.cjs');
    const pool = track(new CjsPool({ processes: 1 }));
    expect(await pool.map(negate, [1, 2])).toEqual([-1, -2]);
  });

  it('errors of a pool made through require() are instanceof the classes got by import', async () => {
    const require = createRequire(import.meta.url);
    const { ThreadPool: CjsPool } = require('../dist/index.cjs');
    const { negate } = require('./fixtures/cjs-tasks.cjs');
    const pool = track(new CjsPool({ processes: 1 }));
    const unsendable = await pool.apply(negate, [() => 1]).catch((e: unknown) => e);
    expect(unsendable).toBeInstanceOf(EncodingError);
    expect(unsendable).toBeInstanceOf(PoolError);
    pool.close();
    const refused = await pool.map(negate, [1]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PoolStateError);
    expect(refused).not.toBeInstanceOf(EncodingError);
  });

  it('workers that looked for their next task go to sleep once tasks stop coming: an idle pool spends no CPU', async () => {
    const pool = track(new ThreadPool({ processes: 2 }));
    // Back to back, then two at a time: every worker has just been looking (idle-spin.ts) when this stops.
    for (let i = 0; i < 2000; i++) expect(await pool.apply(norm, [{ x: 0, y: i }])).toBe(i);
    for (let i = 0; i < 500; i++) await Promise.all([pool.apply(norm, [{ x: i, y: 0 }]), pool.apply(norm, [{ x: 0, y: i }])]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const used = process.cpuUsage(before);
    // Two workers that never stopped looking would spend ~800 ms in 400 ms.
    expect((used.user + used.system) / 1000).toBeLessThan(100);
  });

  it('resourceLimits: a worker over its heap limit crashes alone and is replaced', async () => {
    const pool = track(new ThreadPool({ processes: 1, resourceLimits: { maxOldGenerationSizeMb: 32 } }));
    const error = await pool.apply(allocate, [256]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(String((error as Error).cause)).toMatch(/memory/i);
    expect(await pool.apply(norm, [{ x: 0, y: 2 }])).toBe(2);
  });
});
