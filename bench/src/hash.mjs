// Hashing section: sha512-native vs node:crypto on one thread (child process hash-measure.mjs).
import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, run } from './proc.mjs';
import { summarize } from './stats.mjs';
import { BENCH_DIR } from './workspace.mjs';

const KiB = 1024;

/** 10,000 files of 4 KiB in 100 folders under `root/hash-4k` (made once), and a 64 MiB file. */
export function ensureHashFiles(root, log) {
  const dir = join(root, 'hash-4k');
  const count = () => (existsSync(dir) ? readdirSync(dir).reduce((n, d) => n + readdirSync(join(dir, d)).length, 0) : 0);
  if (count() !== 10_000) {
    log(`  making 10,000 files of 4 KiB in ${dir}`);
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(dir, `d${String(d).padStart(2, '0')}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(dir, `d${String(d).padStart(2, '0')}`, `f${String(f).padStart(2, '0')}.bin`), randomFillSync(Buffer.alloc(4 * KiB)));
    }
  }
  const big = join(root, 'hash-64m.bin');
  if (!existsSync(big) || statSync(big).size !== 64 * 1024 * KiB) writeFileSync(big, randomFillSync(Buffer.alloc(64 * 1024 * KiB)));
  return { dir, big };
}

/** Runs the hashing section; returns { skipped } or { isNative, checks, summary: { method: summary } }. */
export async function runHash({ root, runs, blockMiB, log }) {
  const { dir, big } = ensureHashFiles(root, log);
  const r = await run(process.execPath, [join(BENCH_DIR, 'src/hash-measure.mjs'), JSON.stringify({ runs, blockMiB, fileDir: dir, bigFile: big })], {
    cwd: BENCH_DIR,
    timeoutMs: 600_000,
  });
  const res = lastJson(r.stdout);
  if (!res) return { error: `hash-measure failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  if (res.skipped) {
    log(`  skipped: ${res.skipped}`);
    return res;
  }
  res.summary = Object.fromEntries(Object.entries(res.results).filter(([, v]) => v.length).map(([k, v]) => [k, summarize(v)]));
  delete res.results;
  for (const [k, s] of Object.entries(res.summary)) log(`  ${k}: ${Math.round(s.median).toLocaleString('en-US')} ${k.startsWith('files') ? 'files/s' : 'MB/s'}`);
  for (const [k, e] of Object.entries(res.errors)) log(`  ${k}: FAILED: ${e}`);
  if (!res.isNative) log(`  note: sha512-native runs its node:crypto fallback (${res.nativeLoadError ?? 'forced'})`);
  for (const [k, ok] of Object.entries(res.checks)) if (!ok) log(`  WARNING: ${k} digest differs from node:crypto`);
  return res;
}
