// The RESULTS.md section of `--only cache` (digest-cache.mjs): digest-tree re-runs with --cache.
import { fmt, fmtRange } from './stats.mjs';

const n = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
/** Issue 13's bar: the unchanged small corpus re-digested with --cache at least 5× faster than a full run. */
const BAR = 5;

export function cacheSection(c) {
  const lines = [
    '## digest-tree --cache re-runs (2 workers, warm page cache)',
    '',
    `One untimed run, then ${c.runs} timed run(s) each: a full run without a cache; a re-run with the cache the previous run wrote, nothing changed; ` +
      'a re-run after touching every 100th file (mtime and ctime move, bytes do not: the corpus is left as it was), which must re-hash exactly those. ' +
      'hashed/reused come from `--stats`.',
    '',
  ];
  if (c.error) return [...lines, `Not run: ${c.error}`, ''];
  lines.push('| corpus | full run (s) | unchanged cache (s) | speed-up | 1% changed (s) | speed-up | hashed / reused (1% run) |', '|---|---|---|---|---|---|---|');
  const bars = [];
  for (const [name, t] of Object.entries(c.trees)) {
    if (t.error || !t.full || !t.unchanged || !t.changed) {
      lines.push(`| ${name} (${n(t.files)} files) | failed: ${String(t.error ?? 'incomplete').replaceAll('|', '\\|')} | | | | | |`);
      continue;
    }
    const full = t.full.seconds.median;
    const same = full / t.unchanged.seconds.median;
    const changed = full / t.changed.seconds.median;
    lines.push(
      `| ${name} (${n(t.files)} files) | ${fmtRange(t.full.seconds)} | ${fmtRange(t.unchanged.seconds)} | ${fmt(same, 2)}× | ${fmtRange(t.changed.seconds)} | ${fmt(changed, 2)}× | ${n(t.changed.hashed)} / ${n(t.changed.reused)} |`,
    );
    if (name === 'small') bars.push(`- **${same >= BAR ? 'PASS' : 'FAIL'}** small corpus, unchanged, re-digested with --cache ≥ ${BAR}× faster than a full run: ${fmt(same, 2)}×`);
  }
  lines.push('', ...bars, '');
  return lines;
}
