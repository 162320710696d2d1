/** --cache FILE and --stats through the built bin. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHardTree } from './fixtures.js';
import { cleanTempDirs, coreutilsLines, runBin, sortedLines, splitLines, tempDir, writeTree } from './helpers.js';

let dir: string;

/** The figures of the --stats line; throws unless there is exactly one. */
function stats(stderr: string): { files: number; bytes: number; hashed: number; reused: number } {
  const lines = stderr.split('\n').filter((l) => l.startsWith('digest-tree: stats: '));
  expect(lines).toHaveLength(1);
  const m = /^digest-tree: stats: (\d+) files, (\d+) bytes, (\d+) hashed, (\d+) reused, \d+\.\d\d s$/.exec(lines[0]!);
  expect(m, lines[0]).not.toBeNull();
  return { files: Number(m![1]), bytes: Number(m![2]), hashed: Number(m![3]), reused: Number(m![4]) };
}

const warnings = (stderr: string): string[] => stderr.split('\n').filter((l) => /^digest-tree: cache /.test(l));

/** A tree of `n` small files in four directories: `name/dK/fI`. */
function smallTree(name: string, n: number): string[] {
  const files: Array<[string, string]> = [];
  for (let i = 0; i < n; i++) files.push([`${name}/d${i % 4}/f${i}`, `content of file ${i}\n`]);
  writeTree(dir, files);
  return files.map(([path]) => path);
}

const digestOf = (args: string[]) => runBin(args, { cwd: dir });

beforeAll(async () => {
  dir = tempDir();
  smallTree('hundred', 200);
  smallTree('touched', 20);
  smallTree('racy', 10);
  smallTree('formats', 30);
  smallTree('bad', 10);
  smallTree('shared', 300);
  smallTree('audit', 10);
  smallTree('gone', 10);
  writeTree(dir, [['big/huge', Buffer.alloc(3 << 20, 1)], ['big/small', 'x']]);
  mkdirSync(join(dir, 'hard'));
  makeHardTree(join(dir, 'hard'));
  // The files' ctimes must be older than the first cached run's start minus the 2 s margin,
  // or every digest is (rightly) re-hashed as racy.
  await new Promise((resolve) => setTimeout(resolve, 2200));
});
afterAll(cleanTempDirs);

describe('--cache', () => {
  it('re-hashes exactly the 1% of files that changed, with the same output as a full run', async () => {
    const first = await digestOf(['--stats', '--cache', 'c-hundred', 'hundred']);
    expect(first.code).toBe(0);
    expect(warnings(first.stderr)).toEqual(['digest-tree: cache c-hundred: No such file or directory; hashing every file']);
    expect(stats(first.stderr)).toMatchObject({ files: 200, hashed: 200, reused: 0 });
    expect(sortedLines(splitLines(first.stdout))).toEqual(sortedLines(coreutilsLines('hundred', dir)));

    const again = await digestOf(['--stats', '--cache', 'c-hundred', 'hundred']);
    expect(again.stderr).not.toMatch(/cache c-hundred/);
    expect(stats(again.stderr)).toMatchObject({ files: 200, hashed: 0, reused: 200 });
    expect(again.stdout.equals(first.stdout)).toBe(true);

    writeFileSync(join(dir, 'hundred/d1/f5'), 'changed\n');
    writeFileSync(join(dir, 'hundred/d2/f150'), 'changed too, and longer\n');
    const after = await digestOf(['--stats', '--cache', 'c-hundred', 'hundred']);
    expect(stats(after.stderr)).toMatchObject({ files: 200, hashed: 2, reused: 198 });
    expect(after.stdout.equals((await digestOf(['hundred'])).stdout)).toBe(true);
    expect(after.stdout.toString()).toContain(`${(await digestOf(['hundred/d1/f5'])).stdout.toString().slice(0, 128)}  hundred/d1/f5\n`);
  });

  it('re-hashes a file rewritten with the same size and its mtime restored (its ctime moved)', async () => {
    await digestOf(['--cache', 'c-touched', 'touched']);
    const path = join(dir, 'touched/d0/f4');
    const before = statSync(path, { bigint: true });
    writeFileSync(path, 'CONTENT OF FILE 4\n'); // same length
    // `touch -d @SECONDS.NANOSECONDS`: the mtime restored to the nanosecond.
    execFileSync('touch', ['-m', '-d', `@${before.mtimeNs / 1_000_000_000n}.${String(before.mtimeNs % 1_000_000_000n).padStart(9, '0')}`, path]);
    const now = statSync(path, { bigint: true });
    expect([now.mtimeNs, now.size, now.ino]).toEqual([before.mtimeNs, before.size, before.ino]);
    expect(now.ctimeNs).not.toBe(before.ctimeNs);
    const r = await digestOf(['--stats', '--cache', 'c-touched', 'touched']);
    expect(stats(r.stderr)).toMatchObject({ files: 20, hashed: 1, reused: 19 });
    expect(sortedLines(splitLines(r.stdout))).toEqual(sortedLines(coreutilsLines('touched', dir)));
  });

  it('re-hashes a file modified within the racy window of the run that cached it', async () => {
    writeTree(dir, [['racy/fresh', 'just written\n']]);
    await digestOf(['--cache', 'c-racy', 'racy']); // `fresh` is stat'ed within 2 s of its write
    const r = await digestOf(['--stats', '--cache', 'c-racy', 'racy']);
    expect(stats(r.stderr)).toMatchObject({ files: 11, hashed: 1, reused: 10 });
    expect(sortedLines(splitLines(r.stdout))).toEqual(sortedLines(coreutilsLines('racy', dir)));
  });

  it('gives the same output in every format and with both backends', async () => {
    for (const format of [[], ['--tag'], ['--json'], ['--ndjson']]) {
      for (const backend of ['threads', 'procs']) {
        const args = [...format, '--backend', backend, '-j', '2', 'formats'];
        const full = await digestOf(args);
        await digestOf(['--cache', 'c-formats', ...args]);
        const cached = await digestOf(['--stats', '--cache', 'c-formats', ...args]);
        expect(stats(cached.stderr)).toMatchObject({ files: 30, hashed: 0, reused: 30 });
        if (format[0] === '--ndjson') expect(sortedLines(splitLines(cached.stdout))).toEqual(sortedLines(splitLines(full.stdout)));
        else expect(cached.stdout.toString()).toBe(full.stdout.toString());
      }
    }
  });

  it('reuses big files (handed back by the listing) and file operands', async () => {
    await digestOf(['--cache', 'c-big', 'big', 'formats/d0/f0']);
    const r = await digestOf(['--stats', '--cache', 'c-big', 'big', 'formats/d0/f0']);
    expect(stats(r.stderr)).toEqual({ files: 3, bytes: (3 << 20) + 1 + statSync(join(dir, 'formats/d0/f0')).size, hashed: 0, reused: 3 });
    expect(r.stdout.toString()).toBe((await digestOf(['big', 'formats/d0/f0'])).stdout.toString());
  });

  it.each([
    ['missing', () => undefined, /No such file or directory/],
    ['truncated', (c: Buffer) => c.subarray(0, c.length >> 1), /truncated/],
    ['corrupt', (c: Buffer) => Buffer.concat([c.subarray(0, 40), Buffer.from([c[40]! ^ 1]), c.subarray(41)]), /corrupt/],
    ['other-version', (c: Buffer) => Buffer.concat([c.subarray(0, 8), Buffer.from([99, 0, 0, 0]), c.subarray(12)]), /version 99/],
    ['not a cache', () => Buffer.from('hello\n'), /not a digest-tree cache/],
    ['empty', () => Buffer.alloc(0), /not a digest-tree cache/],
  ])('a %s cache: one warning, a full run, right output, a good cache after', async (name, spoil, why) => {
    const file = join(dir, `c-bad-${name}`);
    await digestOf(['--cache', file, 'bad']);
    const spoilt = spoil(readFileSync(file));
    if (spoilt === undefined) unlinkSync(file);
    else writeFileSync(file, spoilt);
    const r = await digestOf(['--stats', '--cache', file, 'bad']);
    expect(r.code).toBe(0);
    const said = warnings(r.stderr);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(why);
    expect(said[0]).toMatch(/; hashing every file$/);
    expect(stats(r.stderr)).toMatchObject({ files: 10, hashed: 10, reused: 0 });
    expect(sortedLines(splitLines(r.stdout))).toEqual(sortedLines(coreutilsLines('bad', dir)));
    const next = await digestOf(['--stats', '--cache', file, 'bad']);
    expect(warnings(next.stderr)).toEqual([]);
    expect(stats(next.stderr)).toMatchObject({ hashed: 0, reused: 10 });
  });

  it('replaces the cache atomically: no temp file left, ordinary permissions', async () => {
    const cacheDir = join(dir, 'cache-dir');
    mkdirSync(cacheDir);
    await digestOf(['--cache', 'cache-dir/c', 'bad']);
    await digestOf(['--cache', 'cache-dir/c', 'bad']);
    expect(readdirSync(cacheDir)).toEqual(['c']);
    expect(statSync(join(cacheDir, 'c')).mode & 0o777).toBe(0o666 & ~process.umask());
  });

  it('two runs sharing a cache at once: both right, the cache readable after', async () => {
    await digestOf(['--cache', 'c-shared', 'shared']);
    writeFileSync(join(dir, 'shared/d3/f7'), 'edited before the race\n');
    const expected = sortedLines(coreutilsLines('shared', dir));
    const [a, b] = await Promise.all([digestOf(['--cache', 'c-shared', 'shared']), digestOf(['--cache', 'c-shared', '--backend', 'procs', 'shared'])]);
    for (const r of [a, b]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(sortedLines(splitLines(r.stdout))).toEqual(expected);
    }
    const after = await digestOf(['--stats', '--cache', 'c-shared', 'shared']);
    expect(warnings(after.stderr)).toEqual([]);
    expect(stats(after.stderr)).toMatchObject({ files: 300, reused: 299, hashed: 1 }); // f7: racy (edited < 2 s before)
    expect(readdirSync(dir).filter((n) => n.startsWith('c-shared'))).toEqual(['c-shared']);
  });

  it('round-trips hard names (newlines, backslashes, non-UTF-8 bytes), with and without -L', async () => {
    for (const follow of [[], ['-L']]) {
      const args = [...follow, 'hard'];
      const full = await digestOf(args);
      const cache = `c-hard${follow.join('')}`;
      await digestOf(['--cache', cache, ...args]);
      const r = await digestOf(['--stats', '--cache', cache, ...args]);
      const { files, reused } = stats(r.stderr);
      expect(files).toBeGreaterThan(15);
      expect(reused).toBe(files);
      expect(r.stdout.equals(full.stdout)).toBe(true);
      // The same notes (FIFO, socket, loop), in walk order (which varies).
      expect(r.stderr.split('\n').filter((l) => !l.startsWith('digest-tree: stats: ')).sort()).toEqual(full.stderr.split('\n').sort());
      const json = await digestOf(['--json', '--cache', cache, ...args]);
      expect(json.stdout.equals((await digestOf(['--json', ...args])).stdout)).toBe(true);
    }
  });

  it('--check refuses --cache', async () => {
    const r = await digestOf(['--check', 'x', '--cache', 'c-check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--cache cannot be used with --check');
  });

  it('--audit uses it when asked', async () => {
    writeFileSync(join(dir, 'audit.sha512'), (await digestOf(['audit'])).stdout);
    await digestOf(['--audit', 'audit.sha512', '--cache', 'c-audit', 'audit']);
    const r = await digestOf(['--stats', '--audit', 'audit.sha512', '--cache', 'c-audit', 'audit']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('digest-tree: audit: 0 new, 0 missing, 0 changed, 0 moved, 10 unchanged\n');
    expect(stats(r.stderr)).toMatchObject({ files: 10, hashed: 0, reused: 10 });
  });

  it('a file gone since the cached run is simply absent; permission errors are as without the cache', async () => {
    await digestOf(['--cache', 'c-gone', 'gone']);
    unlinkSync(join(dir, 'gone/d1/f5'));
    const r = await digestOf(['--stats', '--cache', 'c-gone', 'gone']);
    expect(r.code).toBe(0);
    expect(stats(r.stderr)).toMatchObject({ files: 9, reused: 9 });
    expect(r.stdout.equals((await digestOf(['gone'])).stdout)).toBe(true);

    const shared = join(dir, 'nobody');
    mkdirSync(shared);
    chmodSync(shared, 0o777); // the cache is written by uid nobody
    writeTree(dir, [['perm/ok', 'fine'], ['perm/secret', 'hidden'], ['perm/locked/inside', 'x']]);
    chmodSync(join(dir, 'perm/secret'), 0o000);
    chmodSync(join(dir, 'perm/locked'), 0o000);
    const plain = await runBin(['perm'], { cwd: dir, asNobody: true });
    for (let run = 0; run < 2; run++) {
      const cached = await runBin(['--cache', 'nobody/c', 'perm'], { cwd: dir, asNobody: true });
      expect(cached.code).toBe(1);
      expect(cached.stdout.equals(plain.stdout)).toBe(true);
      expect(cached.stderr.split('\n').filter((l) => !l.startsWith('digest-tree: cache '))).toEqual(plain.stderr.split('\n'));
    }
  });
});

describe('--stats', () => {
  it('counts files and bytes of a digest run and of --check', async () => {
    const r = await digestOf(['--stats', 'big']);
    expect(stats(r.stderr)).toEqual({ files: 2, bytes: (3 << 20) + 1, hashed: 2, reused: 0 });
    writeFileSync(join(dir, 'big.sha512'), r.stdout);
    const check = await digestOf(['--stats', '--check', 'big.sha512']);
    expect(check.code).toBe(0);
    expect(stats(check.stderr)).toEqual({ files: 2, bytes: (3 << 20) + 1, hashed: 2, reused: 0 });
  });
});
