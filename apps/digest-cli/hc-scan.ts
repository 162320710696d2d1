import { readFileSync, readdirSync } from 'node:fs';
import { scan } from './src/scan.ts';
import { decodeCache, } from './src/cache-format.ts';
import { RACY_MARGIN_NS } from './src/cache-run.ts';
const t0 = performance.now();
const cache = decodeCache(readFileSync('/tmp/hc-small.cache'));
const t1 = performance.now();
const root = '/tmp/mpool-corpus/small';
const dirs: string[] = [];
const stack = [root];
while (stack.length) { const d = stack.pop()!; const es = readdirSync(d, { withFileTypes: true }); let leaf = true; for (const e of es) if (e.isDirectory()) { stack.push(`${d}/${e.name}`); leaf = false; } if (leaf) dirs.push(d); }
const mode = process.argv[2];
const ctx = { follow: false, exclude: [], sizes: mode !== 'plain', cache: mode === 'cache' ? { cutoffNs: cache.writtenNs - RACY_MARGIN_NS } : null };
const t2 = performance.now();
let reused = 0, hashed = 0;
for (const d of dirs) {
  const r = scan([{ path: d, relStart: root.length + 1 }], ctx, 'native', 1e9, [mode === 'cache' ? new Uint8Array(cache.dirs.get(d + '/')!) : null]);
  reused += r.reused; hashed += r.hashed.paths.ends.length;
}
const t3 = performance.now();
console.log(mode, 'decode', (t1 - t0).toFixed(0), 'ms; scan', (t3 - t2).toFixed(0), 'ms', { reused, hashed, dirs: dirs.length });
