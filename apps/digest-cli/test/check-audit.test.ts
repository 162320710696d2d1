/** --check and --audit through the built bin. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanTempDirs, runBin, tempDir, writeTree } from './helpers.js';

let dir: string;
let manifest: Buffer;

beforeAll(async () => {
  dir = tempDir();
  writeTree(join(dir, 't'), [
    ['keep', 'same'],
    ['edit', 'before'],
    ['gone', 'vanishes'],
    ['old-name', 'moves'],
    ['new\nline', 'escaped name'],
  ]);
  manifest = (await runBin(['t'], { cwd: dir })).stdout;
  writeFileSync(join(dir, 'gnu.txt'), manifest);
  writeFileSync(join(dir, 'bsd.txt'), (await runBin(['--tag', 't'], { cwd: dir })).stdout);
});
afterAll(cleanTempDirs);

describe('--check', () => {
  it('verifies GNU and BSD manifests (detected), escaped names included', async () => {
    for (const file of ['gnu.txt', 'bsd.txt']) {
      const r = await runBin(['--check', file], { cwd: dir });
      expect(r.code).toBe(0);
      expect(r.stdout.toString()).toBe('t/edit: OK\nt/gone: OK\nt/keep: OK\n\\t/new\\nline: OK\nt/old-name: OK\n');
      expect(r.stderr).toBe('');
    }
  });

  it('reads the manifest from stdin with -', async () => {
    const r = await runBin(['-c', '-'], { cwd: dir, input: manifest });
    expect(r.code).toBe(0);
  });

  it('reports FAILED, FAILED open or read, bad lines, with a coreutils-style summary', async () => {
    const broken = Buffer.concat([
      manifest,
      Buffer.from(`${'0'.repeat(128)}  t/keep\n`),
      Buffer.from(`${'0'.repeat(128)}  t/missing\n`),
      Buffer.from('not a checksum line\n'),
    ]);
    writeFileSync(join(dir, 'broken.txt'), broken);
    const r = await runBin(['--check', 'broken.txt'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = r.stdout.toString();
    expect(out).toContain('t/keep: FAILED\n');
    expect(out).toContain('t/missing: FAILED open or read\n');
    expect(r.stderr).toBe(
      [
        'digest-tree: t/missing: No such file or directory',
        'digest-tree: WARNING: 1 line is improperly formatted',
        'digest-tree: WARNING: 1 listed file could not be read',
        'digest-tree: WARNING: 1 computed checksum did NOT match',
        '',
      ].join('\n'),
    );
    const quiet = await runBin(['--check', 'broken.txt', '--quiet'], { cwd: dir });
    expect(quiet.stdout.toString()).not.toContain(': OK');
    expect(quiet.stdout.toString()).toContain('t/keep: FAILED');
    const status = await runBin(['--check', 'broken.txt', '--status'], { cwd: dir });
    expect([status.code, status.stdout.length, status.stderr]).toEqual([1, 0, '']);
  });

  it('a manifest with no checksum lines fails; an unreadable manifest is exit 2', async () => {
    writeFileSync(join(dir, 'junk.txt'), 'hello\n');
    const junk = await runBin(['--check', 'junk.txt'], { cwd: dir });
    expect(junk.code).toBe(1);
    expect(junk.stderr).toBe('digest-tree: junk.txt: no properly formatted checksum lines found\n');
    const none = await runBin(['--check', 'no-such-manifest'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('digest-tree: no-such-manifest: No such file or directory\n');
  });
});

describe('--audit', () => {
  it('exit 0 and a summary when nothing changed', async () => {
    const r = await runBin(['--audit', 'gnu.txt', 't'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toBe('digest-tree: audit: 0 new, 0 missing, 0 changed, 0 moved, 5 unchanged\n');
  });

  it('reports new, missing, changed and moved files, exit 1', async () => {
    const t = join(dir, 't');
    writeFileSync(join(t, 'edit'), 'after');
    rmSync(join(t, 'gone'));
    renameSync(join(t, 'old-name'), join(t, 'new-name'));
    writeFileSync(join(t, 'fresh'), 'brand new');
    const r = await runBin(['--audit', 'bsd.txt', 't'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe('changed: t/edit\nmissing: t/gone\nmoved: t/old-name -> t/new-name\nnew: t/fresh\n');
    expect(r.stderr).toBe('digest-tree: audit: 1 new, 1 missing, 1 changed, 1 moved, 2 unchanged\n');
  });

  it('exit 2 when the manifest cannot be read', async () => {
    const r = await runBin(['--audit', 'absent.txt', 't'], { cwd: dir });
    expect(r.code).toBe(2);
  });
});
