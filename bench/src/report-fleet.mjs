// The RESULTS.md section of `--only fleet` (digest-fleet.mjs): digest-tree --backend bullmq on 2
// local mpool-workers against --backend procs, on the mixed corpus.
import { fmt, fmtRange } from './stats.mjs';
import { FLEET_GOAL } from './digest-fleet.mjs';

const n = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');

export function fleetSection(f) {
  const lines = [
    '## digest-tree on a fleet: --backend bullmq vs --backend procs (issue 14)',
    '',
    `The mixed corpus (${n(f.files)} files, ${fmt(f.bytes / 2 ** 20)} MiB, ${f.dir ?? '?'}), warm page cache: \`--backend procs --jobs 2\` against \`--backend bullmq\` ` +
      `on ${f.fleet?.workers ?? 2} local \`mpool-worker\`s of \`--concurrency ${f.fleet?.concurrency ?? 1}\` (the same 2 hashing processes) and a redis-server of its own, all on the same 2 cores; ` +
      `one untimed run each (outputs compared byte for byte), then ${f.runs ?? '?'} timed runs, the two taking turns. The fleet costs more processes on the same cores ` +
      '(Redis, two mpool-worker parents), a broker round trip per job, and loading bullmq + ioredis in the caller (the bin `require`s the CommonJS build of pool-bullmq: apps/digest-cli/src/backend-modules.ts).',
    '',
  ];
  if (f.skipped) return [...lines, `Skipped: ${f.skipped}`, ''];
  if (f.error) return [...lines, `Failed: ${f.error}`, ''];
  lines.push('| backend | seconds | MB/s |', '|---|---|---|');
  for (const id of ['procs', 'bullmq']) {
    const s = f[id].summary.seconds;
    lines.push(`| \`${f[id].command.replace(/^\S+ \S+ /, 'digest-tree ')}\` | ${fmtRange(s)} | ${fmt(f.bytes / 1e6 / s.median)} |`);
  }
  const pass = f.ratio <= FLEET_GOAL;
  lines.push('', `bullmq ÷ procs: **${fmt(f.ratio, 3)}×** (goal ≤ ${FLEET_GOAL}×: ${pass ? 'met' : 'not met'}); 1-minute load average during the runs ${fmt(f.load?.median)} (${fmt(f.load?.min)}–${fmt(f.load?.max)}).`, '');
  return lines;
}
