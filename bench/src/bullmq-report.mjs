// The bullmq section of RESULTS.md (see src/bullmq.mjs for what is measured).
import { fmt, fmtRange, fmtRatio } from './stats.mjs';

const n = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const cell = (s) => String(s).replaceAll('\n', ' ').replaceAll('|', '\\|');
/** "failed: …" / "skipped: …" for a scenario without figures, else null. */
const status = (e) => (e?.skipped ? `skipped: ${cell(e.skipped.slice(0, 160))}` : e?.runs?.length ? null : `failed: ${cell(String(e?.errors?.[0] ?? 'no result').split('\n')[0].slice(0, 160))}`);

export function bullmqSection(b) {
  const lines = ['## BullmqPool on a fleet of 2 mpool-workers vs plain BullMQ', ''];
  if (b.skipped || (b.error && !Object.values(b.runs ?? {}).some((e) => e.runs?.length))) return [...lines, `Not measured: ${cell(b.skipped ?? b.error)}`, ''];
  const c = b.config;
  const S = (id, m) => b.runs[id]?.summary?.[m];
  const v = b.versions ?? {};
  lines.push(
    `${c.rounds} round${c.rounds === 1 ? '' : 's'}, every scenario in a fresh process (after a warm-up), on one redis-server ${v.redis ?? ''} (127.0.0.1, no persistence) started by the section ` +
      `and ${c.workers} \`mpool-worker\` processes (\`--concurrency ${c.concurrency}\`, procs backend) on the same 2 cores: the BullmqPool has \`processes: ${c.slots}\` (the fleet's slots). ` +
      `Plain BullMQ ${v.bullmq ?? ''} (ioredis ${v.ioredis ?? ''}): \`Queue.addBulk\` in batches of ${n(c.plain.batch)}, ${c.plain.workers} processes with a \`Worker\` (concurrency ${c.plain.concurrency}) returning x*x, ` +
      'results counted through `QueueEvents` \'completed\'; both sides use removeOnComplete/removeOnFail and attempts 1. ' +
      `1-minute load average during the section: ${fmtRange(b.load1, 2)}.`,
    '',
    '| scenario | figure | min–max |',
    '|---|---|---|',
  );
  const row = (label, id, m, unit, digits) => {
    const st = status(b.runs[id]);
    const s = S(id, m);
    lines.push(st ? `| ${label} | ${st} | |` : `| ${label} | ${fmt(s?.median, digits)} ${unit} | ${s?.n > 1 ? `${fmt(s.min, digits)}–${fmt(s.max, digits)}` : ''} |`);
  };
  row(`BullmqPool \`pool.map(square, items)\`, ${n(c.mapItems)} items, default chunksize (${n(Math.ceil(c.mapItems / (4 * c.slots)))} items per job)`, 'map', 'perSecond', 'items/s');
  row(`plain BullMQ, one job per item, ${n(c.plainItems)} items (added → all completed seen)`, 'plain', 'perSecond', 'jobs/s = items/s');
  row('plain BullMQ: the `addBulk` calls alone', 'plain', 'addedPerSecond', 'jobs/s');
  row(`BullmqPool one task per call: ${n(c.tasks)} \`applyAsync(add, [i, 1])\` at once, all awaited`, 'throughput', 'perSecond', 'tasks/s');
  row(`BullmqPool 1 MiB Buffer echoed back, ${n(c.payloadN)} calls, ${c.payloadInFlight} in flight`, 'payload', 'perSecond', 'round trips/s');
  row('… the same in MB/s (both directions)', 'payload', 'MBps', 'MB/s');
  const local = b.pools;
  if (local) {
    // The same work on one machine's pools, measured by the pools section of this run.
    for (const [name, f] of [['ThreadPool', local.threads], ['ProcessPool', local.procs]]) {
      lines.push(`| mpool ${name} one task per call (pools section, this run, 2 workers) | ${n(f?.throughput)} tasks/s | |`);
      lines.push(`| mpool ${name} 1 MiB Buffer echoed back, sequential (pools section, this run) | ${n(f?.payload)} round trips/s | |`);
    }
  }
  const map = S('map', 'perSecond')?.median;
  const plain = S('plain', 'perSecond')?.median;
  if (Number.isFinite(map) && Number.isFinite(plain)) lines.push('', `BullmqPool map ÷ plain BullMQ one job per item: **${fmtRatio(map, plain)}**.`);
  const p = b.pools && { threads: b.pools.threads?.p50, procs: b.pools.procs?.p50 };
  const us = (x) => (Number.isFinite(x) ? `${fmt(x / 1000)} ms (${fmt(x)} µs)` : '–');
  lines.push('', `### Lone \`apply(add, [i, 1])\` round trip, ${n(c.latencyN)} sequential calls`, '', 'Percentiles within a run; median (min–max) over the runs.', '', '| pool | p50 ms | p90 ms | p99 ms |', '|---|---|---|---|');
  const st = status(b.runs.latency);
  lines.push(st ? `| BullmqPool (2 mpool-workers via Redis) | ${st} | | |` : `| BullmqPool (2 mpool-workers via Redis) | ${fmtRange(S('latency', 'p50'))} | ${fmtRange(S('latency', 'p90'))} | ${fmtRange(S('latency', 'p99'))} |`);
  if (S('plain', 'lone.p50')) lines.push(`| plain BullMQ: \`queue.add\`, then its QueueEvents 'completed' | ${fmtRange(S('plain', 'lone.p50'))} | ${fmtRange(S('plain', 'lone.p90'))} | ${fmtRange(S('plain', 'lone.p99'))} |`);
  const ping = S('latency', 'pingP50');
  if (ping) lines.push(`| floor: a Redis \`PING\` from the caller (ioredis), no pool | ${fmtRange(ping)} | | |`);
  if (p) {
    lines.push(`| mpool ThreadPool (pools section, this run) | ${us(p.threads)} | | |`, `| mpool ProcessPool (pools section, this run) | ${us(p.procs)} | | |`);
  } else {
    lines.push('', '_The pools section did not run in this run: no ThreadPool / ProcessPool figures beside these (`--only pools,bullmq` measures both)._');
  }
  const errs = Object.entries(b.runs).flatMap(([id, e]) => (e.errors ?? []).map((x) => `- ${id}: ${cell(String(x).split('\n')[0].slice(0, 200))}`));
  if (b.error) errs.unshift(`- section: ${cell(b.error)}`);
  if (errs.length) lines.push('', 'Errors:', '', ...errs);
  lines.push('');
  return lines;
}
