// bullmq section: BullmqPool on a fleet of 2 mpool-workers against plain BullMQ (one job per
// item), on a redis-server and fleet this section starts itself and stops by pid at the end.
// Every scenario runs in a fresh process (src/bullmq/*.mjs), rounds interleaved as in pools.mjs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, run } from './proc.mjs';
import { summarize } from './stats.mjs';
import { load1 } from './machine.mjs';
import { BENCH_DIR, packageVersion, REPO_ROOT } from './workspace.mjs';
import { redisServerBinary, startFleet, startRedis } from './bullmq/fleet.mjs';

const BIN = join(REPO_ROOT, 'packages/pool-bullmq/dist/bin.js');
const FLEET = { workers: 2, concurrency: 2 };
/** The runs of one round, in order; `metrics` are the fields summarized over the rounds. */
const RUNS = [
  { id: 'map', file: 'src/bullmq/mpool-bullmq.mjs', metrics: ['perSecond'] },
  { id: 'plain', file: 'src/bullmq/plain-bullmq.mjs', metrics: ['perSecond', 'addedPerSecond', 'lone.p50', 'lone.p90', 'lone.p99'] },
  { id: 'latency', file: 'src/bullmq/mpool-bullmq.mjs', metrics: ['p50', 'p90', 'p99', 'pingP50'] },
  { id: 'throughput', file: 'src/bullmq/mpool-bullmq.mjs', metrics: ['perSecond'] },
  { id: 'payload', file: 'src/bullmq/mpool-bullmq.mjs', metrics: ['perSecond', 'MBps'] },
];

function config(id, opts, url, queue, round) {
  if (id === 'plain') return { url, queue: `plain-${round}-${Date.now().toString(36)}`, n: opts.plainItems, batch: 1000, workers: 2, concurrency: 10, loneN: opts.latencyN, loneWarmup: opts.latencyWarmup };
  const n = { map: opts.mapItems, latency: opts.latencyN, throughput: opts.tasks, payload: opts.payloadN }[id];
  return { url, queue, processes: FLEET.workers * FLEET.concurrency, scenario: id, n, inFlight: 4, warmup: opts.latencyWarmup };
}

const line = (id, r) => {
  const f = (x) => Math.round(x).toLocaleString('en-US');
  if (id === 'map') return `BullmqPool map of ${f(r.items)} items: ${f(r.perSecond)} items/s`;
  if (id === 'plain') return `plain BullMQ, one job per item (${f(r.items)}): ${f(r.perSecond)} jobs/s (added at ${f(r.addedPerSecond)}/s); lone job p50 ${r.lone.p50.toFixed(2)} ms`;
  if (id === 'latency') return `BullmqPool apply round trip: p50 ${r.p50.toFixed(2)} ms, p90 ${r.p90.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms (a Redis PING: p50 ${r.pingP50.toFixed(2)} ms)`;
  if (id === 'throughput') return `BullmqPool ${f(r.tasks)} applyAsync at once: ${f(r.perSecond)} tasks/s`;
  return `BullmqPool 1 MiB echo (${r.inFlight} in flight): ${r.perSecond.toFixed(1)} round trips/s (${r.MBps.toFixed(1)} MB/s both ways)`;
};

/**
 * What the pools section measured in this same run for ThreadPool and ProcessPool (p50 in µs,
 * one-task-per-call throughput, sequential 1 MiB round trips), or undefined when it did not run.
 */
function poolsFigures(pools) {
  if (!pools) return undefined;
  const of = (id) => {
    const m = (k) => pools.peers?.[id]?.summary?.[k]?.median;
    return { p50: m('latency.p50'), throughput: m('throughput.perSecond'), payload: m('payload.perSecond') };
  };
  return { threads: of('mpool-threads'), procs: of('mpool-procs') };
}

/**
 * Runs the section. `opts`: { rounds, mapItems, plainItems, latencyN, tasks, payloadN, log, pools? }
 * (`pools`: this run's pools section, for its figures). Returns { config, skipped?, error?, runs: { id:
 * { runs[], errors[], summary } }, pools?, load1, versions }.
 */
export async function runBullmq(opts) {
  const { log } = opts;
  const cfg = { ...FLEET, slots: FLEET.workers * FLEET.concurrency, rounds: opts.rounds, mapItems: opts.mapItems, plainItems: opts.plainItems, latencyN: opts.latencyN, tasks: opts.tasks, payloadN: opts.payloadN, payloadInFlight: 4, plain: { workers: 2, concurrency: 10, batch: 1000 } };
  const result = { config: cfg, pools: poolsFigures(opts.pools), versions: { bullmq: packageVersion('bullmq'), ioredis: packageVersion('ioredis') }, runs: {} };
  const binary = redisServerBinary();
  if (!binary) return { ...result, skipped: 'redis-server is not installed (bash scripts/setup.sh, or apt-get install redis-server)' };
  if (!existsSync(BIN)) return { ...result, skipped: '@mpool/pool-bullmq not built yet (packages/pool-bullmq/dist/bin.js missing: run pnpm build)' };
  result.versions.redis = (await run(binary, ['--version'])).stdout.match(/v=(\S+)/)?.[1];
  for (const r of RUNS) result.runs[r.id] = { runs: [], errors: [] };
  const loads = [];
  let redis;
  let fleet = [];
  try {
    redis = await startRedis(binary);
    const queue = `mpool-bench-${Date.now().toString(36)}`;
    fleet = await startFleet({ bin: BIN, url: redis.url, queue, concurrency: FLEET.concurrency, root: BENCH_DIR }, FLEET.workers);
    log(`  redis-server ${result.versions.redis} on ${redis.url} (pid ${redis.pid}), mpool-workers ${fleet.map((w) => w.pid).join(', ')} on queue ${queue}`);
    for (let round = 1; round <= opts.rounds; round++) {
      const k = (round - 1) % RUNS.length; // rotated, as in the pools section
      for (const spec of [...RUNS.slice(k), ...RUNS.slice(0, k)]) {
        const entry = result.runs[spec.id];
        if (entry.skipped) continue;
        const r = await run(process.execPath, ['--expose-gc', join(BENCH_DIR, spec.file), JSON.stringify(config(spec.id, opts, redis.url, queue, round))], { cwd: BENCH_DIR, timeoutMs: opts.timeoutMs ?? 300_000 });
        const res = lastJson(r.stdout);
        if (res?.skipped) {
          entry.skipped = res.skipped;
          log(`  ${spec.id}: skipped: ${res.skipped}`);
        } else if (!res || res.error || r.code !== 0) {
          const why = r.timedOut ? 'timed out' : (res?.error ?? (r.stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${r.code}`));
          entry.errors.push(why);
          log(`  ${spec.id}: round ${round} FAILED: ${String(why).slice(0, 300)}`);
        } else {
          entry.runs.push(res);
          loads.push(load1());
          log(`  round ${round}/${opts.rounds}: ${line(spec.id, res)}`);
        }
      }
    }
  } catch (err) {
    result.error = err.message;
    log(`  bullmq section failed: ${err.message}`);
  } finally {
    await Promise.all(fleet.map((w) => w.stop()));
    await redis?.stop();
  }
  for (const spec of RUNS) {
    const entry = result.runs[spec.id];
    entry.summary = {};
    for (const m of spec.metrics) {
      const vals = entry.runs.map((r) => m.split('.').reduce((o, k) => o?.[k], r)).filter(Number.isFinite);
      if (vals.length) entry.summary[m] = summarize(vals);
    }
  }
  result.load1 = summarize(loads);
  const p = result.pools;
  if (p) log(`  beside: the pools section's p50 in this run: ThreadPool ${p.threads?.p50?.toFixed(1) ?? '–'} µs, ProcessPool ${p.procs?.p50?.toFixed(1) ?? '–'} µs`);
  return result;
}

/** The bars of the section, each { name, pass: true|false|null (not measured), detail }. */
export function bullmqBars(b) {
  const map = b?.runs?.map?.summary?.perSecond?.median;
  const p50 = b?.runs?.latency?.summary?.p50?.median;
  const plain = b?.runs?.plain?.summary?.perSecond?.median;
  const ok = (x) => Number.isFinite(x);
  const f = (x) => Math.round(x).toLocaleString('en-US');
  return [
    {
      name: 'BullmqPool map (default chunksize) ≥ 1,000,000 items/s',
      pass: ok(map) ? map >= 1e6 : null,
      detail: ok(map) ? `${f(map)} items/s${ok(plain) ? ` (plain BullMQ one job per item: ${f(plain)} jobs/s; BullmqPool ÷ plain = ${(map / plain).toFixed(0)}×)` : ''}` : 'not measured',
    },
    { name: 'BullmqPool lone apply p50 ≤ 2 ms', pass: ok(p50) ? p50 <= 2 : null, detail: ok(p50) ? `${p50.toFixed(2)} ms` : 'not measured' },
  ];
}
