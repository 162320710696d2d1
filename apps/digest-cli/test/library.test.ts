/**
 * buildDigestMap in-process (from dist/, as a user imports it): the map, the issues, and files
 * that change while the run is under way (deterministically: the onProgress hook runs after a
 * listing arrives and before any of its files is handed to a worker).
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigestMap, fsencode, type DigestIssue } from '../dist/index.js';
import { makeHardTree } from './fixtures.js';
import { bytes, cleanTempDirs, coreutilsLines, tempDir, writeTree } from './helpers.js';
import { parseLine } from '../src/format/lines.js';

const sha = (data: string | Buffer) => createHash('sha512').update(data).digest('hex');
let dir: string;

beforeAll(() => {
  dir = tempDir();
  makeHardTree(join(dir, 'hard'));
});
afterAll(cleanTempDirs);

describe('buildDigestMap', () => {
  it('maps every regular file to its SHA-512, keys in bytewise order, like find | sha512sum', async () => {
    const issues: DigestIssue[] = [];
    const map = await buildDigestMap(join(dir, 'hard'), { onIssue: (i) => issues.push(i), jobs: 2 });
    const expected = coreutilsLines(join(dir, 'hard'), dir).map((line) => parseLine(line.toString('latin1'))!);
    expect(map.size).toBe(expected.length);
    for (const { path, hex } of expected) {
      const key = [...map.keys()].find((k) => fsencode(k).equals(Buffer.from(path, 'latin1')));
      expect(key, path).toBeDefined();
      expect(map.get(key!)).toBe(hex);
    }
    const keys = [...map.keys()].map(fsencode);
    expect(keys).toEqual([...keys].sort(Buffer.compare));
    expect(issues.map((i) => [i.severity, i.code])).toContainEqual(['note', 'ESPECIAL']);
    expect(issues.every((i) => i.severity === 'note')).toBe(true);
  });

  it('accepts a Buffer path and a single file', async () => {
    const file = Buffer.from(join(dir, 'hard', 'plain.txt'));
    const map = await buildDigestMap(file, { hasher: 'node', backend: 'threads' });
    expect([...map.values()]).toEqual([sha('hello\n')]);
  });

  it('rejects with the fs error when the directory itself is missing', async () => {
    await expect(buildDigestMap(join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a file deleted after the listing is reported, the rest still hashed', async () => {
    // Files of 1 MiB or more in a small directory go back to the main thread to be scheduled
    // by size: that is the window in which this test deletes one.
    const root = join(dir, 'deleting');
    writeTree(root, [['a', bytes(1 << 20, 1)], ['b', bytes(1 << 20, 2)], ['c', bytes(1 << 20, 3)]]);
    const issues: DigestIssue[] = [];
    const map = await buildDigestMap(root, {
      onIssue: (i) => issues.push(i),
      onProgress: (c) => {
        if (c.filesFound === 3 && c.filesDone === 0) rmSync(join(root, 'b'), { force: true });
      },
    });
    expect([...map.keys()]).toEqual([join(root, 'a'), join(root, 'c')]);
    expect(issues).toMatchObject([{ severity: 'error', code: 'ENOENT', message: 'No such file or directory', path: join(root, 'b') }]);
  });

  it('a file truncated after the listing is hashed as it is when read', async () => {
    const root = join(dir, 'truncating');
    writeTree(root, [['big', bytes(1 << 20, 5)]]);
    const map = await buildDigestMap(root, {
      hasher: 'native',
      onProgress: (c) => {
        if (c.filesFound === 1 && c.filesDone === 0) truncateSync(join(root, 'big'), 1000);
      },
    });
    expect(map.get(join(root, 'big'))).toBe(sha(readFileSync(join(root, 'big'))));
  });

  it('aborting stops the run with the signal reason', async () => {
    const root = join(dir, 'aborting');
    writeTree(root, Array.from({ length: 200 }, (_, i) => [`f${i}`, bytes(10_000, i + 1)] as [string, Buffer]));
    const controller = new AbortController();
    const reason = new Error('stop now');
    const run = buildDigestMap(root, {
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    });
    await expect(run).rejects.toBe(reason);
  });

  it('names that are not UTF-8 come back with surrogateescape; fsencode restores the bytes', async () => {
    const root = join(dir, 'bytes');
    writeTree(root, [[Buffer.from([0xc3, 0x28, 0x2e, 0x74]), 'x']]);
    writeFileSync(join(root, 'ok'), 'y');
    const map = await buildDigestMap(root);
    const odd = [...map.keys()].find((k) => k.includes('\udcc3'))!;
    expect(odd).toBe(`${root}/\udcc3(.t`);
    expect(fsencode(odd)).toEqual(Buffer.concat([Buffer.from(`${root}/`), Buffer.from([0xc3, 0x28, 0x2e, 0x74])]));
  });
});

describe('CommonJS entry', () => {
  it('require() gives the same library, workers load tasks.cjs', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/index.cjs') as typeof import('../dist/index.js');
    const root = join(dir, 'cjs');
    writeTree(root, [['x', 'x']]);
    for (const backend of ['threads', 'procs'] as const) {
      expect([...(await cjs.buildDigestMap(root, { backend })).entries()]).toEqual([[join(root, 'x'), sha('x')]]);
    }
  });
});
