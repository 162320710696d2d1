/**
 * A tree read from a cold page cache (every file's pages dropped first) gives exactly the output
 * of the same tree warm and of coreutils, with sha512-native's read-ahead running (its counters
 * are printed by read-ahead-stats.cjs), on both backends; folders a listing hands back are read
 * ahead as subtrees, unless --exclude is given.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, coreutilsLines, runBin, sortedLines, splitLines, writeTree } from './helpers.js';

const STATS_HOOK = fileURLToPath(new URL('./read-ahead-stats.cjs', import.meta.url));
let parent: string;
let files: string[];
let reference: string[];
let deepReference: string[];

/** Page-cache pages can only be dropped on a disk-backed file system (not tmpfs). */
function coldParent(): string {
  const type = spawnSync('stat', ['-f', '-c', '%T', tmpdir()], { encoding: 'utf8' }).stdout.trim();
  const base = type === 'tmpfs' || type === 'ramfs' ? fileURLToPath(new URL('.', import.meta.url)) : tmpdir();
  return mkdtempSync(join(base, '.digest-tree-cold-'));
}

/** Drops every file's pages from the page cache (posix_fadvise DONTNEED, through GNU dd). */
function evictAll(): void {
  for (const f of files) execFileSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
}

beforeAll(() => {
  parent = coldParent();
  // 24 folders of 20 files from empty to 300 KB, and a few big ones (scheduled by size).
  const tree: Array<[string, Buffer]> = [];
  for (let d = 0; d < 24; d++) for (let f = 0; f < 20; f++) tree.push([`tree/d${d}/f${f}.bin`, bytes((d * 7919 + f * 104_729) % 300_000, d * 20 + f + 1)]);
  for (let b = 0; b < 4; b++) tree.push([`tree/big/b${b}.bin`, bytes((3 << 20) + b * 1000, 1000 + b)]);
  // Files at the top (their first reads find the cache cold), then folders that the first
  // listing hands back: those are read ahead as subtrees.
  for (let f = 0; f < 10; f++) tree.push([`deep/top${f}.txt`, bytes(500 + f * 100, 9000 + f)]);
  for (let d = 0; d < 40; d++) for (let f = 0; f < 30; f++) tree.push([`deep/g${d % 4}/d${d}/f${f}.txt`, bytes(100 + ((d * 31 + f * 17) % 3000), 5000 + d * 30 + f)]);
  writeTree(parent, tree);
  files = tree.map(([name]) => join(parent, name));
  // Written pages are dirty until they reach the disk, and only clean pages can be dropped.
  for (const f of files) {
    const fd = openSync(f, 'r+');
    fsyncSync(fd);
    closeSync(fd);
  }
  reference = sortedLines(coreutilsLines('tree', parent));
  deepReference = sortedLines(coreutilsLines('deep', parent));
});
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe.each(['threads', 'procs'])('cold page cache, %s backend', (backend) => {
  it('the same lines as warm and as sha512sum, and the read-ahead ran', async () => {
    evictAll();
    // A pool from the start (a tree this small would otherwise be hashed on the main thread).
    const env = { DIGEST_TREE_INLINE_MS: '0', NODE_OPTIONS: `--require ${STATS_HOOK}` };
    const cold = await runBin(['--backend', backend, '--jobs', '2', 'tree'], { cwd: parent, env });
    expect(cold.code, cold.stderr).toBe(0);
    expect(sortedLines(splitLines(cold.stdout))).toEqual(reference);
    const stats = statsOf(cold.stderr);
    expect(stats.length).toBeGreaterThan(0);
    // Threads share one process's counters; with procs, each child has its own.
    expect(stats.reduce((n, s) => n + s.uncached, 0)).toBeGreaterThan(0);
    expect(stats.reduce((n, s) => n + s.queued, 0)).toBeGreaterThan(0);
    const warm = await runBin(['--backend', backend, '--jobs', '2', 'tree'], { cwd: parent, env: { DIGEST_TREE_INLINE_MS: '0' } });
    expect(warm.code, warm.stderr).toBe(0);
    expect(warm.stdout.equals(cold.stdout)).toBe(true);
  });

  it('the folders a listing hands back are read ahead as subtrees, except with --exclude', async () => {
    const env = { DIGEST_TREE_INLINE_MS: '0', NODE_OPTIONS: `--require ${STATS_HOOK}` };
    evictAll();
    const cold = await runBin(['--backend', backend, '--jobs', '2', 'deep'], { cwd: parent, env });
    expect(cold.code, cold.stderr).toBe(0);
    expect(sortedLines(splitLines(cold.stdout))).toEqual(deepReference);
    expect(statsOf(cold.stderr).reduce((n, s) => n + s.subtree, 0)).toBeGreaterThan(0);
    evictAll();
    // Any --exclude (even one that matches nothing) turns subtrees off: its matcher decides what is read.
    const excluding = await runBin(['--backend', backend, '--jobs', '2', '--exclude', '*.none', 'deep'], { cwd: parent, env });
    expect(excluding.code, excluding.stderr).toBe(0);
    expect(excluding.stdout.equals(cold.stdout)).toBe(true);
    const stats = statsOf(excluding.stderr);
    expect(stats.reduce((n, s) => n + s.uncached, 0)).toBeGreaterThan(0);
    expect(stats.reduce((n, s) => n + s.subtree, 0)).toBe(0);
  });
});

/** The read-ahead counters each process printed (read-ahead-stats.cjs). */
function statsOf(stderr: string): Array<{ uncached: number; queued: number; subtree: number; done: number }> {
  return [...stderr.matchAll(/read-ahead stats: (\{.*\})/g)].map((m) => JSON.parse(m[1]!) as { uncached: number; queued: number; subtree: number; done: number });
}
