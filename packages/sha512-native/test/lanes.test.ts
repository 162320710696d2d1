// Batches go through the four-lane SIMD code (multi.rs) when the CPU has AVX-512VL: files start
// and end at different times in each lane, padding lands on every block boundary, and failures
// sit between successes. Checked against node:crypto, and against the one-file path
// (MPOOL_SHA512_LANES=1 in a child process) so both native paths are exercised on any machine.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native, pkgDir } from './backends.js';

// Every padding case (0..2 blocks of padding, length field split or not) and sizes that cross
// the 128 KiB lane buffer, in an order that keeps lanes out of step.
const SIZES = [0, 1, 111, 112, 113, 127, 128, 129, 239, 240, 255, 256, 1000, 131_071, 131_072, 131_073, 131_200, 300_001, (1 << 20) + 5, 7, 0];
let dir: string;
let paths: string[];
let want: Array<string | null>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sha512-lanes-'));
  paths = [];
  want = [];
  SIZES.forEach((size, i) => {
    const data = randomBytes(size);
    const p = path.join(dir, `f${i}-${size}`);
    fs.writeFileSync(p, data);
    paths.push(p);
    want.push(createHash('sha512').update(data).digest('hex'));
    if (i % 5 === 2) {
      paths.push(path.join(dir, `missing${i}`), dir); // ENOENT and EISDIR between files
      want.push(null, null);
    }
  });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('batches (four-lane path when available)', () => {
  it('match node:crypto file by file, with failures in place', () => {
    const got = native.hashFiles(paths, { encoding: 'hex' });
    expect(got.map((r) => ('digest' in r ? r.digest : null))).toEqual(want);
    const codes = got.filter((r) => 'error' in r).map((r) => ('error' in r ? r.error.code : ''));
    expect(new Set(codes)).toEqual(new Set(['ENOENT', 'EISDIR']));
  });

  it('packed results keep failures in index order', () => {
    const { digests, failures } = native.hashFilesPacked(paths);
    expect(failures.map((f) => f.index)).toEqual(want.flatMap((w, i) => (w === null ? [i] : [])));
    want.forEach((w, i) => {
      if (w !== null) expect(digests.toString('hex', i * 64, i * 64 + 64)).toBe(w);
    });
  });

  it('give the same digests with the lanes turned off (MPOOL_SHA512_LANES=1)', () => {
    const script = `const n = require(${JSON.stringify(path.join(pkgDir, 'index.js'))});
      const r = n.hashFiles(JSON.parse(process.argv[1]), { encoding: 'hex' });
      process.stdout.write(JSON.stringify(r.map((x) => x.digest ?? null)));`;
    const child = spawnSync(process.execPath, ['-e', script, JSON.stringify(paths)], {
      env: { ...process.env, MPOOL_SHA512_LANES: '1' },
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(want);
  });
});
