/** Options of the processes backend, process isolation, and what messages carry. */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessPool } from '../src/index.js';
import { chdirTo, identity, info, mallocEnv, pid, setEnv } from './fixtures/tasks.js';
import { isRunning, trackedPools } from './helpers.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mpool-procs-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('options of ProcessPool', () => {
  const { makePool } = trackedPools();

  it('execArgv: children get exactly the given flags (plus the TS loader from source), never the parent’s', async () => {
    const plain = await makePool().apply(info);
    expect(plain.execArgv.filter((a) => !/tsx/.test(a) && a !== '--import')).toEqual([]);
    const flagged = await makePool({ execArgv: ['--max-old-space-size=123', '--no-warnings'] }).apply(info);
    expect(flagged.execArgv.slice(-2)).toEqual(['--max-old-space-size=123', '--no-warnings']);
    for (const flag of process.execArgv) if (!/tsx/.test(flag) && flag !== '--import') expect(flagged.execArgv).not.toContain(flag);
  });

  it('env replaces the environment; the default is the parent’s', async () => {
    process.env.MPOOL_TEST_VAR = 'from parent';
    try {
      expect((await makePool().apply(info)).env).toBe('from parent');
      expect((await makePool({ env: { MPOOL_TEST_VAR: 'given' } }).apply(info)).env).toBe('given');
      expect((await makePool({ env: {} }).apply(info)).env).toBeUndefined();
    } finally {
      delete process.env.MPOOL_TEST_VAR;
    }
  });

  it('children get glibc malloc settings for big buffers, unless the environment sets either itself', async () => {
    const ours = { mmap: String(32 * 1024 * 1024), trim: String(64 * 1024 * 1024) };
    expect(await makePool().apply(mallocEnv)).toEqual(ours);
    expect(await makePool({ env: {} }).apply(mallocEnv)).toEqual(ours);
    // One of them set by the caller: the caller's choice stands, and nothing is added beside it.
    expect(await makePool({ env: { MALLOC_TRIM_THRESHOLD_: '1000' } }).apply(mallocEnv)).toEqual({ mmap: undefined, trim: '1000' });
    expect(await makePool({ env: { MALLOC_MMAP_THRESHOLD_: '2000' } }).apply(mallocEnv)).toEqual({ mmap: '2000', trim: undefined });
  });

  it('cwd sets the working directory of every child; task modules still load (absolute URLs)', async () => {
    const pool = makePool({ processes: 2, cwd: dir });
    const cwds = await pool.map(info, [1, 2, 3, 4], 1);
    expect(new Set(cwds.map((c) => c.cwd))).toEqual(new Set([dir]));
    expect((await makePool().apply(info)).cwd).toBe(process.cwd());
  });

  it('bad options throw TypeError at construction', () => {
    expect(() => new ProcessPool({ processes: 1, stdio: 'pipe' as never })).toThrow(TypeError);
    expect(() => new ProcessPool({ processes: 1, execArgv: '--foo' as never })).toThrow(TypeError);
    expect(() => new ProcessPool({ processes: 1, cwd: 42 as never })).toThrow(TypeError);
    expect(() => new ProcessPool({ processes: 1, env: null as never })).toThrow(TypeError);
  });

  it('pids lists the running children; children report the pool as their parent', async () => {
    const pool = makePool({ processes: 2 });
    expect(pool.pids).toHaveLength(2);
    const seen = await pool.map(info, [1, 2, 3, 4, 5, 6], 1);
    for (const s of seen) {
      expect(pool.pids).toContain(s.pid);
      expect(s.ppid).toBe(process.pid);
    }
    const pids = pool.pids;
    await pool.terminate();
    expect(pool.pids).toEqual([]);
    expect(pids.filter(isRunning)).toEqual([]);
  });
});

describe('process isolation', () => {
  const { makePool } = trackedPools();

  it('process.chdir and process.env changes stay in the child that made them', async () => {
    const before = process.cwd();
    const pool = makePool({ processes: 1 });
    expect(await pool.apply(chdirTo, [dir])).toBe(dir);
    expect(await pool.apply(setEnv, ['changed in child'])).toBe('changed in child');
    expect(process.cwd()).toBe(before);
    expect(process.env.MPOOL_TEST_VAR).toBeUndefined();
    const later = await pool.apply(info); // the same child keeps its own state, as a process does
    expect(later.cwd).toBe(dir);
    expect(later.env).toBe('changed in child');
    expect(later.pid).not.toBe(process.pid);
  });
});

describe('what messages carry (advanced serialization)', () => {
  const { makePool } = trackedPools();

  it('Buffers, typed arrays, Map, Set, Date, BigInt, errors and nested structures round-trip', async () => {
    const pool = makePool();
    const value = {
      buf: Buffer.from('héllo'),
      f64: new Float64Array([1.5, -0]),
      map: new Map<unknown, unknown>([[1, new Set(['a'])], ['k', { deep: [1n << 70n] }]]),
      date: new Date(86_400_000),
      error: new RangeError('as a value'),
      nested: { list: [null, undefined, NaN, -Infinity], regexp: /x+/gi },
    };
    const back = await pool.apply(identity, [value]);
    expect(back.buf).toBeInstanceOf(Uint8Array); // a Buffer, even (threads give a plain Uint8Array)
    expect(Buffer.from(back.buf).toString()).toBe('héllo');
    expect(back.f64).toEqual(value.f64);
    expect(back.map).toEqual(value.map);
    expect(back.date).toEqual(value.date);
    expect(back.error).toBeInstanceOf(RangeError);
    expect(back.error.message).toBe('as a value');
    expect(back.nested).toEqual(value.nested);
  });

  it('a large message (20 MB) goes through in one piece', async () => {
    const pool = makePool();
    const big = new Uint8Array(20 * 1024 * 1024).fill(7);
    const back = await pool.apply(identity, [big]);
    expect(back.length).toBe(big.length);
    expect(back[big.length - 1]).toBe(7);
    expect(typeof (await pool.apply(pid))).toBe('number');
  });
});
