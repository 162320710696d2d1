// Directory digests: every tool maps every file of a corpus to its SHA-512; MB/s, files/s and
// the ratio to the 2-core OpenSSL limit. Warm page cache: one untimed run, then N timed runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { q, run, sh } from './proc.mjs';
import { summarize } from './stats.mjs';
import { BENCH_DIR, digestTreeBin } from './workspace.mjs';

/** A short account of a tool's stderr: its first error-looking line and how many lines there were. */
function errText(stderr) {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  if (!lines.length) return 'no message';
  const first = lines.find((l) => /error|no such|denied|cannot|fail|invalid/i.test(l)) ?? lines[0];
  return `${first.length > 240 ? `${first.slice(0, 120)} … ${first.slice(-100)}` : first}${lines.length > 1 ? ` (${lines.length} lines of stderr)` : ''}`;
}

/** rhash on PATH, installed with apt-get when missing and running as root. Returns an error text or null. */
export async function ensureRhash(log) {
  if ((await sh('command -v rhash')).code === 0) return null;
  if (process.getuid?.() !== 0) return 'rhash not installed (and not root: apt-get install rhash)';
  log('  installing rhash with apt-get');
  const r = await sh('export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq rhash', { timeoutMs: 600_000 });
  if (r.code !== 0 || (await sh('command -v rhash')).code !== 0) return `rhash could not be installed: ${r.stderr.trim().split('\n').pop()}`;
  return null;
}

/** The tools, in table order: { id, label, cmd(dir, n) or error }. `n` = files per xargs batch. */
export function digestTools({ pythonPeer, rhashError }) {
  const dt = digestTreeBin();
  const xargs = (tail) => (dir, n) => `find ${q(dir)} -type f -print0 | xargs -0 -P2 -n${n} ${tail}`;
  return [
    { id: 'read-floor', label: 'read floor: find | xargs -P2 cat (no hashing)', limit: true, cmd: xargs('cat'), noCount: true },
    {
      id: 'read-floor-node',
      label: 'read floor: 2 threads, readSync (no hashing)',
      limit: true,
      noCount: true,
      cmd: (dir) => `${q(process.execPath)} ${q(join(BENCH_DIR, 'src/read-floor.mjs'))} ${q(dir)} 2`,
    },
    dt.error
      ? { id: 'digest-tree', label: 'digest-tree --jobs 2', error: dt.error, mpool: true }
      : { id: 'digest-tree', label: 'digest-tree --jobs 2', mpool: true, cmd: (dir) => `${q(process.execPath)} ${q(dt.bin)} --jobs 2 ${q(dir)}` },
    existsSync(pythonPeer)
      ? { id: 'python-pool', label: 'python_pool_digest.py (Pool(2), imap_unordered)', cmd: (dir) => `python3 ${q(pythonPeer)} ${q(dir)} 2` }
      : { id: 'python-pool', label: 'python_pool_digest.py', error: `${pythonPeer} not found` },
    { id: 'sha512sum', label: 'find | xargs -P2 sha512sum', cmd: xargs('sha512sum') },
    rhashError ? { id: 'rhash-r', label: 'rhash --sha512 -r', error: rhashError } : { id: 'rhash-r', label: 'rhash --sha512 -r (1 process)', cmd: (dir) => `rhash --sha512 -r ${q(dir)}` },
    rhashError ? { id: 'rhash-xargs', label: 'find | xargs -P2 rhash', error: rhashError } : { id: 'rhash-xargs', label: 'find | xargs -P2 rhash --sha512', cmd: xargs('rhash --sha512') },
  ];
}

/**
 * Runs every tool on every tree. `trees`: { name: { dir, files, bytes } }. Returns
 * { trees: { name: { files, bytes, tools: { id: { label, summary{seconds,MBps,filesPerSec}, outputLines, error } } } } }.
 */
export async function runDigest({ trees, tools, runs, log }) {
  const out = {};
  for (const [name, tree] of Object.entries(trees)) {
    log(`  corpus ${name}: ${tree.files.toLocaleString('en-US')} files, ${(tree.bytes / 2 ** 20).toFixed(0)} MiB`);
    const n = Math.max(1, Math.min(256, Math.ceil(tree.files / 2)));
    const res = { dir: tree.dir, files: tree.files, bytes: tree.bytes, xargsBatch: n, tools: {} };
    out[name] = res;
    for (const tool of tools) {
      const entry = { label: tool.label, limit: !!tool.limit, mpool: !!tool.mpool };
      res.tools[tool.id] = entry;
      if (tool.error) {
        entry.skipped = tool.error;
        log(`    ${tool.label}: skipped: ${tool.error}`);
        continue;
      }
      const cmd = tool.cmd(tree.dir, n);
      entry.command = cmd;
      // warm-up, untimed: fills the page cache and counts what the tool printed
      const warm = await sh(tool.noCount ? `${cmd} > /dev/null` : `${cmd} | wc -l`, { timeoutMs: 900_000 });
      if (!tool.noCount) entry.outputLines = Number(warm.stdout.trim());
      if (warm.code !== 0) {
        // a tool that printed (nearly) every file but failed on a few (rhash and names with a
        // backslash) is still timed, flagged as partial; anything else is a failure
        const nearlyAll = !tool.noCount && tool.id !== 'python-pool' && entry.outputLines >= 0.99 * tree.files;
        if (!nearlyAll || warm.timedOut) {
          entry.error = `exit ${warm.code}${warm.timedOut ? ' (timed out)' : ''}: ${errText(warm.stderr)}`;
          log(`    ${tool.label}: FAILED: ${entry.error}`);
          continue;
        }
        entry.partial = `exit ${warm.code} after printing ${entry.outputLines.toLocaleString('en-US')} lines for ${tree.files.toLocaleString('en-US')} files: ${errText(warm.stderr)}`;
        log(`    ${tool.label}: partial: ${entry.partial}`);
      }
      const secs = [];
      for (let i = 0; i < runs; i++) {
        const r = await sh(`${cmd} > /dev/null`, { timeoutMs: 900_000 });
        if (r.code !== 0 && !(entry.partial && r.code === warm.code)) {
          entry.error = `exit ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${errText(r.stderr)}`;
          log(`    ${tool.label}: FAILED: ${entry.error}`);
          break;
        }
        secs.push(r.ms / 1000);
      }
      if (!secs.length) continue;
      entry.summary = {
        seconds: summarize(secs),
        MBps: summarize(secs.map((s) => tree.bytes / 1e6 / s)),
        filesPerSec: summarize(secs.map((s) => tree.files / s)),
      };
      const m = entry.summary.MBps;
      log(
        `    ${tool.label}: ${Math.round(m.median).toLocaleString('en-US')} MB/s, ` +
          `${Math.round(entry.summary.filesPerSec.median).toLocaleString('en-US')} files/s (${secs.map((s) => s.toFixed(2)).join(', ')} s)`,
      );
    }
  }
  return out;
}
