// The digest corpora: built once (make-corpus.sh, or the small --quick variant) and reused.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './proc.mjs';
import { BENCH_DIR } from './workspace.mjs';

export const TREES = ['large', 'small', 'mixed'];
/** What a complete make-corpus.sh tree holds (regular files, as `find -type f` counts them). */
const EXPECTED_FULL = { large: { files: 8, bytes: 8 * 128 * 2 ** 20 }, small: { files: 100_000 }, mixed: { files: 20_000 } };

/** Regular files and their bytes under `root`, not following symlinks (like `find -type f`). */
export function treeStats(root) {
  let files = 0;
  let bytes = 0;
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop();
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        files++;
        bytes += lstatSync(p).size;
      }
    }
  }
  return { files, bytes };
}

/** Default corpus folder: `${TMPDIR:-/tmp}/mpool-corpus` (`-quick` appended for --quick). */
export function defaultCorpusRoot(quick) {
  return join(process.env.TMPDIR || tmpdir(), quick ? 'mpool-corpus-quick' : 'mpool-corpus');
}

/**
 * Makes sure `root/{large,small,mixed}` exist and are complete; builds what is missing. Returns
 * { trees: { name: { dir, files, bytes } }, built: [names] }.
 */
export async function ensureCorpora({ root, quick, makeCorpus, log, names = TREES }) {
  const trees = {};
  const built = [];
  if (quick) {
    const r = await run('python3', [join(BENCH_DIR, 'src/python/mini_corpus.py'), root], { timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`mini_corpus.py failed: ${r.stderr}`);
  } else {
    const bad = names.filter((t) => {
      const dir = join(root, t);
      if (!existsSync(dir)) return true;
      const s = treeStats(dir);
      const want = EXPECTED_FULL[t];
      return s.files !== want.files || (want.bytes !== undefined && s.bytes !== want.bytes);
    });
    if (bad.length) {
      if (!existsSync(makeCorpus)) throw new Error(`corpus ${bad.join(', ')} missing in ${root} and ${makeCorpus} not found (pass --make-corpus PATH)`);
      log(`  building corpus ${bad.join(', ')} in ${root} with ${makeCorpus} (once; about a minute)`);
      const r = await run('bash', [makeCorpus, '--out', root, '--only', bad.join(','), '--force'], { timeoutMs: 1_800_000 });
      if (r.code !== 0) throw new Error(`make-corpus.sh failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      for (const line of r.stdout.trim().split('\n')) log(`    ${line}`);
      built.push(...bad);
    }
  }
  for (const t of names) trees[t] = { dir: join(root, t), ...treeStats(join(root, t)) };
  return { trees, built };
}
