// The RESULTS.md section of `--only io` (cold.mjs): the cold-cache mixed corpus and the
// empty-files row against a C floor.
import { fmt, fmtRange, fmtRatio } from './stats.mjs';

const n = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const cell = (s) => String(s).replaceAll('\n', ' ').replaceAll('|', '\\|');
const plural = (k, word) => `${k} ${word}${k === 1 ? '' : 's'}`;
const why = (text) => cell(/not built yet/.test(text) ? 'not built yet' : text.slice(0, 160));

/** A table of tools timed by cold.mjs, with each one's ratio to `base` (seconds: lower is better). */
function ioTable(tools, baseId, baseName) {
  const base = tools[baseId]?.seconds?.median;
  const dt = tools['digest-tree']?.seconds?.median;
  const rows = ['| tool | seconds | ÷ ' + baseName + ' | ÷ digest-tree |', '|---|---|---|---|'];
  for (const [id, e] of Object.entries(tools)) {
    if (e.error || !e.seconds) rows.push(`| ${cell(e.label)} | failed: ${why(e.error ?? 'no run')} | | |`);
    else rows.push(`| ${cell(e.label)} | ${fmtRange(e.seconds)} | ${id === baseId ? '1' : fmtRatio(e.seconds.median, base)} | ${id === 'digest-tree' ? '1' : fmtRatio(e.seconds.median, dt)} |`);
  }
  return rows;
}

export function ioSection(io) {
  const lines = ['## Cold page cache and per-file cost (issue 13)', ''];
  if (io.skipped || io.error) return [...lines, `Skipped: ${io.skipped ?? io.error}`, ''];
  lines.push('### Cold cache: mixed corpus', '');
  if (io.cold?.skipped) lines.push(`Skipped: ${io.cold.skipped}.`, '');
  else if (io.cold) {
    lines.push(
      `${n(io.cold.files)} files, ${fmt(io.cold.bytes / 2 ** 20)} MiB (${io.cold.dir}). \`sync; echo 3 > /proc/sys/vm/drop_caches\` before every run; the tools take turns, ${plural(io.runs, 'run')} each. ` +
        'The host may still cache the virtual disk, so compare within this table only. Seconds: lower is better; a ratio above 1 means slower than the column\'s tool.',
      '',
      ...ioTable(io.cold.tools, 'cat-p8', 'cat -P8 floor'),
      '',
    );
    if (io.cold.rhashSkipped) lines.push(`rhash: skipped (${io.cold.rhashSkipped}).`, '');
  }
  if (io.empty) {
    lines.push(
      `### ${n(io.empty.files)} empty files (${io.empty.dir}), warm cache`,
      '',
      `The floor is a C loop of open/read/close on each path (compiled by the bench with cc), fed by \`find | xargs -0 -P2 -n4096\`${io.empty.floorError ? ` (not built: ${io.empty.floorError})` : ''}.`,
      '',
      ...ioTable(io.empty.tools, 'c-floor', 'C floor'),
      '',
    );
  }
  return lines;
}
