// Pools section: every peer runs the same scenarios in fresh processes, rounds interleaved (order
// rotated each round) so that background noise spreads over all of them; then start-up is timed from spawn.
import { join } from 'node:path';
import { lastJson, run, timeToFirstLine } from './proc.mjs';
import { summarize } from './stats.mjs';
import { BENCH_DIR, packageVersion } from './workspace.mjs';
import { load1 } from './machine.mjs';

/** The peers, in table order. `reference` rows are floors, not competitors. */
export const POOL_PEERS = [
  { id: 'mpool-threads', label: 'mpool ThreadPool', kind: 'node', file: 'src/pools/mpool-threads.mjs', mpool: true },
  { id: 'mpool-procs', label: 'mpool ProcessPool', kind: 'node', file: 'src/pools/mpool-procs.mjs', mpool: true },
  { id: 'piscina', label: 'piscina', kind: 'node', file: 'src/pools/piscina.mjs' },
  { id: 'tinypool', label: 'tinypool', kind: 'node', file: 'src/pools/tinypool.mjs' },
  { id: 'workerpool', label: 'workerpool (threads)', kind: 'node', file: 'src/pools/workerpool.mjs' },
  { id: 'python', label: 'Python multiprocessing.Pool', kind: 'python', file: 'src/python/pool_bench.py' },
  { id: 'bare-threads', label: 'bare worker_threads loop (reference)', kind: 'node', file: 'src/pools/bare-threads.mjs', reference: true },
];

/**
 * Start-up only (no rounds): mpool pools with other options, beside the default ones in the
 * start-up table. `minProcesses: 0` starts no worker in the constructor: the first call starts one.
 */
export const STARTUP_VARIANTS = [
  { id: 'mpool-threads-min0', label: 'mpool ThreadPool, `minProcesses: 0`', kind: 'node', file: 'src/pools/mpool-threads.mjs', mpool: true, poolOptions: { minProcesses: 0 } },
  { id: 'mpool-procs-min0', label: 'mpool ProcessPool, `minProcesses: 0`', kind: 'node', file: 'src/pools/mpool-procs.mjs', mpool: true, poolOptions: { minProcesses: 0 } },
];

function command(peer, cfg) {
  const file = join(BENCH_DIR, peer.file);
  return peer.kind === 'python' ? ['python3', [file, JSON.stringify(cfg)]] : [process.execPath, ['--expose-gc', file, JSON.stringify(cfg)]];
}

const METRICS = [
  ['latency', 'p50'],
  ['latency', 'p99'],
  ['throughput', 'perSecond'],
  ['throughputStatsOn', 'perSecond'],
  ['throughputStatsOff', 'perSecond'],
  ['mapDefault', 'perSecond'],
  ['mapChunk1', 'perSecond'],
  ['payload', 'perSecond'],
  ['payloadTransfer', 'perSecond'],
  ['io', 'perSecond'],
];

/**
 * Runs the pools section. `opts`: { rounds, tasks, latencyN, payloadN, payloadTransferN, startups, log, only? }
 * (`only`: peer ids to run, e.g. to time the start-up variants alone with `rounds: 0`).
 * Returns { config, peers: { id: { label, skipped?, errors[], runs[], summary, startup } } }.
 */
export async function runPools(opts) {
  const { log } = opts;
  const cfg = { workers: 2, tasks: opts.tasks, latencyN: opts.latencyN, payloadN: opts.payloadN, payloadTransferN: opts.payloadTransferN, warmup: opts.warmup, ioTasks: opts.ioTasks, ioPerWorker: opts.ioPerWorker };
  if (opts.scenarios) cfg.scenarios = opts.scenarios;
  const chosen = (p) => !opts.only || opts.only.includes(p.id);
  const peers = Object.fromEntries(
    [...POOL_PEERS, ...STARTUP_VARIANTS].filter(chosen).map((p) => [p.id, { label: p.label, reference: !!p.reference, mpool: !!p.mpool, errors: [], runs: [] }]),
  );
  const active = new Set([...POOL_PEERS, ...STARTUP_VARIANTS].filter(chosen).map((p) => p.id));
  const loads = [];
  for (let round = 1; round <= opts.rounds; round++) {
    // rotate the order each round so that no pool always runs right after the same neighbour
    const k = (round - 1) % POOL_PEERS.length;
    for (const peer of [...POOL_PEERS.slice(k), ...POOL_PEERS.slice(0, k)]) {
      if (!active.has(peer.id) || !peers[peer.id]) continue;
      const [cmd, args] = command(peer, cfg);
      const t0 = Date.now();
      const r = await run(cmd, args, { cwd: BENCH_DIR, timeoutMs: opts.timeoutMs ?? 180_000 });
      const res = lastJson(r.stdout);
      const entry = peers[peer.id];
      if (res?.skipped) {
        entry.skipped = res.skipped;
        active.delete(peer.id);
        log(`  ${peer.label}: skipped: ${res.skipped}`);
        continue;
      }
      if (!res || res.error || r.code !== 0) {
        const why = r.timedOut ? 'timed out' : (res?.error ?? r.stderr.trim().split('\n').slice(-3).join(' | ') ?? `exit ${r.code}`);
        entry.errors.push(why);
        log(`  ${peer.label}: round ${round} FAILED: ${String(why).slice(0, 300)}`);
        if (r.timedOut) {
          active.delete(peer.id); // a hung pool would eat the time budget of every later round
          log(`  ${peer.label}: dropped from the later rounds`);
        }
        continue;
      }
      entry.version ??= res.version ?? (peer.kind === 'node' && !peer.mpool ? packageVersion(peer.id) : undefined);
      entry.startMethod ??= res.startMethod;
      entry.runs.push(res);
      loads.push(load1());
      const f = (x) => (x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
      log(
        `  ${peer.label}: round ${round}/${opts.rounds} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
          `p50 ${f(res.latency?.p50)} µs, ${f(res.throughput?.perSecond)} tasks/s` +
          (res.throughputStatsOff ? ` (stats on ${f(res.throughputStatsOn.perSecond)}/s, off ${f(res.throughputStatsOff.perSecond)}/s)` : '') +
          (res.mapDefault ? `, map ${f(res.mapDefault.perSecond)}/s (chunksize 1: ${f(res.mapChunk1?.perSecond)}/s)` : '') +
          (res.payload ? `, 1 MiB ${f(res.payload.perSecond)}/s` : '') +
          (res.payloadTransfer ? ` (transfer ${f(res.payloadTransfer.perSecond)}/s)` : '') +
          (res.io ? `, I/O-bound ${f(res.io.perSecond)} tasks/s (${res.io.perWorker} per worker)` : ''),
      );
    }
  }
  // start-up: spawn -> library loaded -> pool created -> first result, a fresh process each time
  for (let i = 1; i <= opts.startups; i++) {
    for (const peer of [...POOL_PEERS, ...STARTUP_VARIANTS]) {
      if (!peers[peer.id] || (!active.has(peer.id) && !peers[peer.id].runs.length)) continue;
      if ((peers[peer.id].startupFailures ?? 0) >= 2) continue;
      const [cmd, args] = command(peer, { mode: 'startup', workers: 2, poolOptions: peer.poolOptions });
      const r = await timeToFirstLine(cmd, args.filter((a) => a !== '--expose-gc'), { cwd: BENCH_DIR, timeoutMs: 30_000 });
      const entry = peers[peer.id];
      entry.startupRuns ??= [];
      if (r.code !== 0 || !r.line || r.firstMs === undefined) {
        entry.startupFailures = (entry.startupFailures ?? 0) + 1;
        entry.errors.push(`startup: exit ${r.code} ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
        continue;
      }
      entry.startupRuns.push({ spawnToFirstMs: r.firstMs, createToFirstMs: r.line.tFirst - (r.line.tLoaded ?? 0), constructorMs: r.line.tCreated - (r.line.tLoaded ?? 0) });
    }
  }
  for (const entry of Object.values(peers)) {
    entry.summary = {};
    for (const [scenario, field] of METRICS) {
      const vals = entry.runs.map((r) => r[scenario]?.[field]).filter((v) => v !== undefined);
      if (vals.length) entry.summary[`${scenario}.${field}`] = summarize(vals);
    }
    if (entry.startupRuns?.length) {
      entry.summary['startup.spawnToFirstMs'] = summarize(entry.startupRuns.map((s) => s.spawnToFirstMs));
      entry.summary['startup.createToFirstMs'] = summarize(entry.startupRuns.map((s) => s.createToFirstMs));
      const ctor = entry.startupRuns.map((s) => s.constructorMs).filter(Number.isFinite);
      if (ctor.length) entry.summary['startup.constructorMs'] = summarize(ctor);
    }
  }
  for (const peer of [...POOL_PEERS, ...STARTUP_VARIANTS]) {
    const s = peers[peer.id]?.summary['startup.spawnToFirstMs'];
    if (s) log(`  ${peer.label}: start-up ${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)}) spawn → first result`);
  }
  return { config: { ...cfg, rounds: opts.rounds, startups: opts.startups }, load1: summarize(loads), peers };
}

const get = (pools, id, key) => pools?.peers?.[id]?.summary?.[key]?.median;

/** The bars of issue 5, each { name, pass: true|false|null (not measurable), detail }. */
export function poolBars(pools) {
  const bars = [];
  const bar = (name, a, b, ok, detail) => {
    const pass = Number.isFinite(a) && Number.isFinite(b) ? ok(a, b) : null;
    bars.push({ name, pass, detail: pass === null ? `not measured: ${detail.missing}` : detail.text(a, b) });
  };
  const r = (a, b) => (a / b).toFixed(2);
  bar('mpool threads one-task-per-call throughput ≥ 5× piscina', get(pools, 'mpool-threads', 'throughput.perSecond'), get(pools, 'piscina', 'throughput.perSecond'), (a, b) => a >= 5 * b, {
    missing: 'mpool threads or piscina',
    text: (a, b) => `${Math.round(a).toLocaleString('en-US')} vs ${Math.round(b).toLocaleString('en-US')} tasks/s = ${r(a, b)}×`,
  });
  bar('mpool threads round-trip p50 ≤ piscina', get(pools, 'mpool-threads', 'latency.p50'), get(pools, 'piscina', 'latency.p50'), (a, b) => a <= b, {
    missing: 'mpool threads or piscina',
    text: (a, b) => `${a.toFixed(1)} vs ${b.toFixed(1)} µs`,
  });
  for (const [id, label] of [
    ['mpool-threads', 'threads'],
    ['mpool-procs', 'procs'],
  ]) {
    bar(`mpool ${label} map (default chunksize) ≥ Python Pool.map`, get(pools, id, 'mapDefault.perSecond'), get(pools, 'python', 'mapDefault.perSecond'), (a, b) => a >= b, {
      missing: pools?.peers?.[id]?.skipped ?? `mpool ${label} or Python`,
      text: (a, b) => `${Math.round(a).toLocaleString('en-US')} vs ${Math.round(b).toLocaleString('en-US')} items/s = ${r(a, b)}×`,
    });
  }
  for (const [id, label] of [
    ['mpool-threads', 'threads'],
    ['mpool-procs', 'procs'],
  ]) {
    // Issue 12: collecting pool.stats() costs at most 5% of one-task-per-call throughput.
    bar(`mpool ${label} one-task-per-call throughput with stats ≥ 0.95× without (stats: false)`, get(pools, id, 'throughputStatsOn.perSecond'), get(pools, id, 'throughputStatsOff.perSecond'), (a, b) => a >= 0.95 * b, {
      missing: pools?.peers?.[id]?.skipped ?? `mpool ${label}`,
      text: (a, b) => `${Math.round(a).toLocaleString('en-US')} vs ${Math.round(b).toLocaleString('en-US')} tasks/s = ${r(a, b)}×`,
    });
  }
  const roundTrips = (a, b) => `${Math.round(a).toLocaleString('en-US')} vs ${Math.round(b).toLocaleString('en-US')} round trips/s = ${r(a, b)}×`;
  const peerTransfers = ['piscina', 'tinypool', 'workerpool'].map((id) => get(pools, id, 'payloadTransfer.perSecond')).filter(Number.isFinite);
  bar('mpool threads 1 MiB round trip with move() ≥ the best peer with transfer', get(pools, 'mpool-threads', 'payloadTransfer.perSecond'), peerTransfers.length ? Math.max(...peerTransfers) : NaN, (a, b) => a >= b, {
    missing: 'mpool threads or every peer',
    text: roundTrips,
  });
  bar('mpool procs 1 MiB round trip ≥ 2× Python Pool', get(pools, 'mpool-procs', 'payload.perSecond'), get(pools, 'python', 'payload.perSecond'), (a, b) => a >= 2 * b, {
    missing: pools?.peers?.['mpool-procs']?.skipped ?? 'mpool procs or Python',
    text: roundTrips,
  });
  bar('mpool procs 1 MiB round trip ≥ 0.8× mpool threads (copied)', get(pools, 'mpool-procs', 'payload.perSecond'), get(pools, 'mpool-threads', 'payload.perSecond'), (a, b) => a >= 0.8 * b, {
    missing: 'mpool procs or threads',
    text: roundTrips,
  });
  bar('mpool procs round-trip p50 ≤ Python apply_async', get(pools, 'mpool-procs', 'latency.p50'), get(pools, 'python', 'latency.p50'), (a, b) => a <= b, {
    missing: pools?.peers?.['mpool-procs']?.skipped ?? 'mpool procs or Python',
    text: (a, b) => `${a.toFixed(1)} vs ${b.toFixed(1)} µs`,
  });
  return bars;
}
