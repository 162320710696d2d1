// node:crypto reference row for run.sh, measured like the Rust candidates:
// one-shot SHA-512 of a 1 MiB block, and 10,000 x 4 KiB files read whole.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const time = (fn) => { const t = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t) / 1e9; };

const block = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 7) & 0xff));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sha512-compare-node-'));
const paths = Array.from({ length: 10_000 }, (_, i) => {
  const p = path.join(dir, `f${i}`);
  fs.writeFileSync(p, Buffer.alloc(4096, i & 0xff));
  return p;
});
const mb = [], fps = [];
for (let r = 0; r < 7; r++) {
  mb.push((100 * block.length) / 1e6 / time(() => { for (let i = 0; i < 100; i++) createHash('sha512').update(block).digest(); }));
  fps.push(paths.length / time(() => { for (const p of paths) createHash('sha512').update(fs.readFileSync(p)).digest(); }));
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(`| node:crypto ${process.versions.openssl} (reference) | ${median(mb).toFixed(0)} | ${median(fps).toFixed(0)} |`);
