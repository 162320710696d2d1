// A file truncated while it is being hashed must give an error or the digest of what was read,
// never a crash (a hasher that mapped the file would die of SIGBUS here). The file is shrunk
// and regrown thousands of times while a child process hashes it in four-lane batches.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pkgDir } from './backends.js';
import { coldDir, writeSynced } from './cold.js';

let dir: string;
let big: string;
let other: string;
let otherDigest: string;

beforeAll(() => {
  dir = coldDir('sha512-truncate-');
  big = path.join(dir, 'big.bin');
  other = path.join(dir, 'other.bin');
  writeSynced(big, randomBytes(24 << 20));
  const data = randomBytes(3 << 20);
  fs.writeFileSync(other, data);
  otherDigest = createHash('sha512').update(data).digest('hex');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Outcomes {
  digest: number;
  error: number;
  codes: Record<string, number>;
  stats: { uncached: number };
}

function runChild(mode: string): Outcomes {
  const child = spawnSync(process.execPath, [path.join(pkgDir, 'test/fixtures/truncate-child.cjs'), pkgDir, big, other, '40', mode], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(child.signal, child.stderr).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  const outcomes = JSON.parse(child.stdout) as Outcomes;
  expect(outcomes.digest + outcomes.error).toBe(40);
  for (const code of Object.keys(outcomes.codes)) expect(code).toMatch(/^E[A-Z]+$/);
  // The file next to it in the same batches is never disturbed.
  const after = spawnSync(process.execPath, ['-e', `const n = require(${JSON.stringify(path.join(pkgDir, 'index.js'))}); process.stdout.write(n.hashFilesPacked(${JSON.stringify([big, other])}).digests.toString('hex', 64, 128))`], { encoding: 'utf8' });
  expect(after.stdout).toBe(otherDigest);
  return outcomes;
}

it('a file truncated mid-hash, repeatedly: no crash, each result a digest or an error', () => {
  runChild('warm');
});

it('the same with the file dropped from the page cache each round: the cold path (probe, read-ahead) runs, still no crash', () => {
  expect(runChild('cold').stats.uncached).toBeGreaterThan(0);
});
