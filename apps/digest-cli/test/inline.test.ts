/**
 * Small runs hashed on the main thread (src/inline.ts): no worker is started for them, a pool is
 * for anything beyond the budget, and the scheduler hands the main thread only what fits.
 * Workers are seen through Node's own debug log (NODE_DEBUG=worker,child_process prints a line
 * when a worker thread or a child process is created), so the test sees what really happened.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIG_CACHE_BYTES } from '../src/digest.js';
import { InlineWork, looksWide } from '../src/inline.js';
import { Scheduler } from '../src/plan.js';
import type { WorkItem, WorkResult } from '../src/tasks.js';
import { runWorkItem } from '../src/work-item.js';
import { cleanTempDirs, coreutilsLines, runBin, sortedLines, splitLines, tempDir, writeTree } from './helpers.js';

const DEBUG = { NODE_DEBUG: 'worker,child_process' };
const startedWorker = (stderr: string) => /^WORKER \d+: .*create new worker/m.test(stderr);
const spawnedChild = (stderr: string) => /^CHILD_PROCESS \d+: spawn/m.test(stderr);

let dir: string;
beforeAll(() => {
  dir = tempDir();
  writeTree(join(dir, 'tiny'), Array.from({ length: 10 }, (_, i) => [`f${i}.txt`, `tiny ${i}\n`] as [string, string]));
  writeTree(join(dir, 'big'), [['small.txt', 'small']]);
  // 64 MiB of zeros (sparse): far beyond what the main thread may hash before a pool starts.
  execFileSync('truncate', ['-s', '64M', join(dir, 'big', 'zeros')]);
});
afterAll(cleanTempDirs);

describe.each(['threads', 'procs'])('a small tree with the %s backend', (backend) => {
  const started = backend === 'threads' ? startedWorker : spawnedChild;

  it('is hashed without starting any worker, with the output a pool gives', async () => {
    const inline = await runBin(['--backend', backend, 'tiny'], { cwd: dir, env: DEBUG });
    expect(inline.code).toBe(0);
    expect(started(inline.stderr)).toBe(false);
    const pooled = await runBin(['--backend', backend, 'tiny'], { cwd: dir, env: { ...DEBUG, DIGEST_TREE_INLINE_MS: '0' } });
    expect(pooled.code).toBe(0);
    expect(started(pooled.stderr)).toBe(true); // the log does show workers when there are some
    expect(inline.stdout.equals(pooled.stdout)).toBe(true);
    expect(sortedLines(splitLines(inline.stdout))).toEqual(sortedLines(coreutilsLines('tiny', dir)));
  });

  it('a tree beyond the budget starts the pool, and the output is still exact', async () => {
    const r = await runBin(['--backend', backend, '--jobs', '2', 'big'], { cwd: dir, env: DEBUG });
    expect(r.code).toBe(0);
    expect(started(r.stderr)).toBe(true);
    expect(sortedLines(splitLines(r.stdout))).toEqual(sortedLines(coreutilsLines('big', dir)));
  });
});

describe('--cache', () => {
  it('a cache file of a big run starts the pool at once; a small one (or none) does not', async () => {
    writeFileSync(join(dir, 'big.cache'), Buffer.alloc(BIG_CACHE_BYTES)); // its size is all that is looked at first
    const big = await runBin(['--cache', 'big.cache', 'tiny'], { cwd: dir, env: DEBUG });
    expect(big.code).toBe(0);
    expect(startedWorker(big.stderr)).toBe(true);
    expect(big.stderr).toContain('digest-tree: cache big.cache: '); // unusable: one warning, a full run
    const none = await runBin(['--cache', 'new.cache', 'tiny'], { cwd: dir, env: DEBUG });
    expect(none.code).toBe(0);
    expect(startedWorker(none.stderr)).toBe(false);
    expect(none.stdout.equals(big.stdout)).toBe(true);
    const again = await runBin(['--cache', 'new.cache', '--stats', 'tiny'], { cwd: dir, env: DEBUG }); // a small cache now exists
    expect(startedWorker(again.stderr)).toBe(false);
    expect(again.stdout.equals(big.stdout)).toBe(true);
  });
});

describe('a wide directory', () => {
  it('with 64 subdirectories, or a listing of 64 KiB, starts the pool at once; 63 and a small listing do not', async () => {
    const sub = (n: number) => Array.from({ length: n }, (_, i) => [`d${i}/f.txt`, `file ${i}\n`] as [string, string]);
    writeTree(join(dir, 'wide'), sub(64));
    writeTree(join(dir, 'narrow'), sub(63));
    // 4,000 names of 12 bytes: a listing over 64 KiB on ext4 and on tmpfs (20 bytes an entry).
    writeTree(join(dir, 'flat'), Array.from({ length: 4000 }, (_, i) => [`f${String(i).padStart(10, '0')}`, ''] as [string, string]));
    expect(looksWide(join(dir, 'wide'))).toBe(true);
    expect(looksWide(join(dir, 'narrow'))).toBe(false);
    expect(looksWide(join(dir, 'flat'))).toBe(true);
    expect(looksWide(join(dir, 'tiny'))).toBe(false);
    expect(looksWide(join(dir, 'tiny', 'f0.txt'))).toBe(false); // a file operand
    const wide = await runBin(['wide'], { cwd: dir, env: DEBUG });
    expect(wide.code).toBe(0);
    expect(startedWorker(wide.stderr)).toBe(true);
    expect(sortedLines(splitLines(wide.stdout))).toEqual(sortedLines(coreutilsLines('wide', dir)));
    const narrow = await runBin(['narrow'], { cwd: dir, env: DEBUG });
    expect(narrow.code).toBe(0);
    expect(startedWorker(narrow.stderr)).toBe(false);
    // DIGEST_TREE_INLINE_MS still decides when set.
    const forced = await runBin(['wide'], { cwd: dir, env: { ...DEBUG, DIGEST_TREE_INLINE_MS: '10000' } });
    expect(startedWorker(forced.stderr)).toBe(false);
    expect(forced.stdout.equals(wide.stdout)).toBe(true);
  });
});

describe('DIGEST_TREE_INLINE_MS', () => {
  it('must be a number of milliseconds', async () => {
    const r = await runBin(['tiny'], { cwd: dir, env: { DIGEST_TREE_INLINE_MS: 'soon' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("digest-tree: DIGEST_TREE_INLINE_MS must be a number of milliseconds >= 0, got 'soon'\nTry 'digest-tree --help' for more information.\n");
    expect(r.stdout.length).toBe(0);
  });
});

describe('the main thread as a worker', () => {
  const ctx = { follow: false, exclude: [], sizes: true };
  const limits = { batchCost: 1000, perFileCost: 0, maxFiles: 100 };

  it('take(maxCost) leaves a batch that costs more than maxCost for the pool', () => {
    const s = new Scheduler({ workers: 2, hasher: 'node', ctx, limits });
    s.addFiles(['big'], [5000]);
    expect(s.take(4999)).toBeNull();
    expect([s.queued, s.finished]).toEqual([true, false]);
    const item = s.take(5000);
    expect(item).toMatchObject({ kind: 'hash', paths: ['big'] });
    expect(s.finished).toBe(false); // in flight until its result is reported
    s.done(item!.id);
    expect(s.finished).toBe(true);
  });

  it('runWithin: true when everything fitted, false with a costly batch left (nothing run twice)', async () => {
    const root = tempDir();
    writeTree(root, [['a', 'a'], ['b', 'b']]);
    const s = new Scheduler({ workers: 2, hasher: 'node', ctx, limits });
    s.addDirs([{ path: root, relStart: root.length + 1 }]);
    const seen: string[] = [];
    const report = (r: WorkResult) => {
      seen.push(r.kind);
      if (r.kind === 'list') s.addDirs(r.dirs);
      s.done(r.id);
    };
    const inline = new InlineWork(s, runWorkItem, report);
    expect(await inline.runWithin(1000)).toBe(true);
    expect(seen).toEqual(['list']); // both files hashed by the listing itself

    const costly = new Scheduler({ workers: 2, hasher: 'node', ctx, limits });
    costly.addFiles(['huge'], [1e12]); // would take hours: never on the main thread
    const ran: WorkItem[] = [];
    const refusing = new InlineWork(costly, (item) => (ran.push(item), runWorkItem(item, 0)), report);
    expect(await refusing.runWithin(1000)).toBe(false);
    expect(ran).toEqual([]);
    expect(costly.queued).toBe(true); // still there for the pool
  });

  it('runWithin(0) runs nothing', async () => {
    const s = new Scheduler({ workers: 2, hasher: 'node', ctx, limits });
    s.addFiles(['x'], [1]);
    const inline = new InlineWork(s, () => {
      throw new Error('must not run');
    }, () => undefined);
    expect(await inline.runWithin(0)).toBe(false);
    expect(s.queued).toBe(true);
  });
});
