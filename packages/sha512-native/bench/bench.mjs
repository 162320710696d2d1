// Native vs node:crypto, the two numbers that matter for digest-tree:
//   1. raw hashing speed on 1 MiB blocks (MB/s), must not lose to OpenSSL-in-Node;
//   2. whole small files (10,000 x 4 KiB), hashFiles vs readFileSync + createHash.
// Rounds of each contender are interleaved and the median is reported, so a
// noisy neighbour on the VM hurts both sides alike. Runs in ~20-40 s.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const api = require('../index.js');
if (!api.isNative) {
  console.error('native addon not loaded (build it first: pnpm build)', api.nativeLoadError ?? '');
  process.exit(1);
}

const ROUNDS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Runs each contender ROUNDS times, interleaved; returns median seconds per contender. */
function race(contenders) {
  const times = contenders.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    contenders.forEach(([, fn], i) => {
      const t0 = process.hrtime.bigint();
      fn();
      times[i].push(Number(process.hrtime.bigint() - t0) / 1e9);
    });
  }
  return times.map(median);
}

function blocks() {
  const block = Buffer.alloc(1 << 20, 0x5a);
  const reps = 192; // 192 MiB per round
  const mb = (reps * block.length) / 1e6;
  const [nativeS, nodeS] = race([
    ['native', () => { const h = new api.Sha512(); for (let i = 0; i < reps; i++) h.update(block); h.digest(); }],
    ['node:crypto', () => { const h = createHash('sha512'); for (let i = 0; i < reps; i++) h.update(block); h.digest(); }],
  ]);
  console.log('SHA-512 on 1 MiB blocks (streaming update, from memory)');
  console.log(`  native (Sha512)        ${(mb / nativeS).toFixed(0).padStart(6)} MB/s`);
  console.log(`  node:crypto createHash ${(mb / nodeS).toFixed(0).padStart(6)} MB/s`);
  console.log(`  ratio native/node      ${(nodeS / nativeS).toFixed(3)}x`);
}

function smallFiles() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sha512-bench-'));
  try {
    const paths = [];
    const body = Buffer.alloc(4096);
    for (let i = 0; i < 10_000; i++) {
      body.writeUInt32LE(i, 0);
      const p = path.join(dir, `f${i}`);
      fs.writeFileSync(p, body);
      paths.push(p);
    }
    const viaNode = () => paths.map((p) => createHash('sha512').update(fs.readFileSync(p)).digest());
    const viaNative = () => api.hashFiles(paths);
    // Same answers before any timing.
    const a = viaNode(), b = viaNative();
    if (!a.every((d, i) => 'digest' in b[i] && d.equals(b[i].digest))) throw new Error('digest mismatch');
    const [nativeS, nodeS] = race([['hashFiles', viaNative], ['readFileSync+createHash', viaNode]]);
    console.log('\n10,000 files of 4 KiB (warm page cache, one thread)');
    console.log(`  native hashFiles (1 call)        ${(paths.length / nativeS).toFixed(0).padStart(7)} files/s`);
    console.log(`  fs.readFileSync + createHash     ${(paths.length / nodeS).toFixed(0).padStart(7)} files/s`);
    console.log(`  ratio native/node                ${(nodeS / nativeS).toFixed(2)}x`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}, ${os.cpus()[0]?.model}\n`);
blocks();
smallFiles();
