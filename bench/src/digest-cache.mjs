// digest-tree --cache re-runs (issue 13, item 4): on each corpus, a full run without a cache,
// a re-run with an unchanged cache, and a re-run after 1% of the files changed. Warm page cache.
//
// "Changed" = touched (mtime and ctime move, bytes stay), so the shared corpus is left as it
// was. Each timed 1% run touches the same files again first: they are re-hashed (their
// metadata changed), the other 99% reused; --stats says how many of each, and the row fails
// if the counts are not exactly that.
import { readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { q, sh } from './proc.mjs';
import { summarize } from './stats.mjs';
import { digestTreeBin } from './workspace.mjs';

/** Every 100th regular file of `dir` (sorted, so the same files each time), not following symlinks. */
function onePercent(dir) {
  const files = [];
  const stack = [dir];
  while (stack.length) {
    const at = stack.pop();
    for (const e of readdirSync(at, { withFileTypes: true })) {
      if (e.isDirectory()) stack.push(join(at, e.name));
      else if (e.isFile()) files.push(join(at, e.name));
    }
  }
  return files.sort().filter((_, i) => i % 100 === 0);
}

const statsOf = (stderr) => {
  const m = /digest-tree: stats: (\d+) files, (\d+) bytes, (\d+) hashed, (\d+) reused/.exec(stderr);
  return m ? { files: Number(m[1]), bytes: Number(m[2]), hashed: Number(m[3]), reused: Number(m[4]) } : null;
};

/**
 * `trees`: { name: { dir, files, bytes } }. Returns { trees: { name: { files, full, unchanged,
 * changed: { summary, hashed, reused } | { error } } } }, seconds summarized over `runs`.
 */
export async function runDigestCache({ trees, runs, log }) {
  const dt = digestTreeBin();
  if (dt.error) return { error: dt.error, trees: {} };
  const out = {};
  for (const [name, tree] of Object.entries(trees)) {
    const cache = join(tmpdir(), `mpool-bench-cache-${process.pid}-${name}`);
    const base = `${q(process.execPath)} ${q(dt.bin)} --jobs 2`;
    const res = { dir: tree.dir, files: tree.files, bytes: tree.bytes };
    out[name] = res;
    log(`  corpus ${name}: ${tree.files.toLocaleString('en-US')} files`);
    try {
      const time = async (label, cmd, before) => {
        await sh(`${cmd} > /dev/null`, { timeoutMs: 900_000 }); // warm-up, untimed
        const secs = [];
        let last = null;
        for (let i = 0; i < runs; i++) {
          await before?.();
          const r = await sh(`${cmd} --stats > /dev/null`, { timeoutMs: 900_000 });
          if (r.code !== 0) throw new Error(`${label}: exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
          secs.push(r.ms / 1000);
          last = statsOf(r.stderr);
        }
        log(`    ${label}: ${secs.map((s) => s.toFixed(3)).join(', ')} s (${last ? `${last.hashed} hashed, ${last.reused} reused` : 'no stats line'})`);
        return { seconds: summarize(secs), ...last };
      };
      res.full = await time('full run', `${base} ${q(tree.dir)}`);
      rmSync(cache, { force: true });
      const same = await sh(`${base} --cache ${q(cache)} ${q(tree.dir)} | cmp - <(${base} ${q(tree.dir)}) && echo same`, { timeoutMs: 900_000 });
      if (!same.stdout.includes('same')) throw new Error('a run with --cache printed other digests than a run without it');
      res.unchanged = await time('re-run, unchanged cache', `${base} --cache ${q(cache)} ${q(tree.dir)}`);
      const touched = onePercent(tree.dir);
      const touch = () => {
        const now = new Date();
        for (const file of touched) utimesSync(file, now, now);
      };
      res.changed = await time(`re-run after touching 1% (${touched.length} files)`, `${base} --cache ${q(cache)} ${q(tree.dir)}`, touch);
      res.changed.touched = touched.length;
      if (res.changed.hashed !== touched.length || res.unchanged.hashed !== 0) {
        throw new Error(`expected 0 then ${touched.length} files hashed, got ${res.unchanged.hashed} and ${res.changed.hashed}`);
      }
    } catch (err) {
      res.error = err.message;
      log(`    FAILED: ${err.message}`);
    } finally {
      rmSync(cache, { force: true });
    }
  }
  return { trees: out };
}
