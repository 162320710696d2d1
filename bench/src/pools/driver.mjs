// Runs the pool scenarios against one adapter, in this (fresh) process, and prints one JSON line.
// Called as `node --expose-gc <peer>.mjs '<config json>'` by src/pools.mjs.
//
// An adapter is { load(), create(lib, workers), call(pool, a, b), echo(pool, buf),
// echoTransfer?(pool, buf), map?(pool, items, chunksize), destroy(pool),
// createWithoutStats?(lib, workers) (mpool: `stats: false`), createConcurrent?(lib, workers,
// tasksPerWorker), callIo?(pool) }; `load` throws NotBuilt when the library is not available, and
// the runner then prints { skipped }.
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { NotBuilt } from '../workspace.mjs';
import { median, percentile } from '../stats.mjs';

const MiB = 1 << 20;
/**
 * Before each scenario: collect garbage, then let the machine settle for a moment. Right after a
 * burst, V8's background threads (optimizing compiler, GC) still occupy the 2 cores and would be
 * billed to whichever scenario runs next; the Python driver pauses the same way.
 */
const SETTLE_MS = 250;
const gc = () => {
  globalThis.gc?.();
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
};

function out(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function throughput(adapter, pool, n) {
  const t0 = performance.now();
  const pending = new Array(n);
  for (let i = 0; i < n; i++) pending[i] = adapter.call(pool, i, 1);
  const results = await Promise.all(pending);
  const s = (performance.now() - t0) / 1000;
  let sum = 0;
  for (const r of results) sum += r;
  if (sum !== (n * (n - 1)) / 2 + n) throw new Error(`throughput: wrong sum ${sum}`);
  return { tasks: n, seconds: s, perSecond: n / s };
}

async function latency(adapter, pool, n) {
  const us = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const r = await adapter.call(pool, i, 1);
    us[i] = Number(process.hrtime.bigint() - t) / 1000;
    if (r !== i + 1) throw new Error(`latency: wrong result ${r}`);
  }
  return { tasks: n, p50: percentile(us, 50), p99: percentile(us, 99), mean: us.reduce((a, b) => a + b, 0) / n };
}

async function map(adapter, pool, n, chunksize) {
  const items = Array.from({ length: n }, (_, i) => i);
  const t0 = performance.now();
  const results = await adapter.map(pool, items, chunksize);
  const s = (performance.now() - t0) / 1000;
  if (results.length !== n || results[n - 1] !== n) throw new Error('map: wrong results');
  return { items: n, chunksize: chunksize ?? 'default', seconds: s, perSecond: n / s };
}

/** Payload warm-up: up to this many round trips, for at most this long (copies of 1 MiB are slow). */
const PAYLOAD_WARMUP = 3000;
const PAYLOAD_WARMUP_MS = 2000;

async function payload(adapter, pool, n, transfer) {
  let buf = new Uint8Array(new ArrayBuffer(MiB));
  randomFillSync(buf);
  const first = buf[0];
  const once = transfer ? (b) => adapter.echoTransfer(pool, b) : (b) => adapter.echo(pool, b);
  // Warm-up, the same rule for every pool: in a fresh process the first ~3,000 round trips run at
  // a fraction of the steady rate for mpool and piscina alike (V8 compiling the path; with
  // --no-opt the rate is steady from the start), so 10 warm-up round trips measured the JIT.
  const warmUntil = performance.now() + PAYLOAD_WARMUP_MS;
  for (let i = 0; i < PAYLOAD_WARMUP && performance.now() < warmUntil; i++) buf = await once(buf);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    buf = await once(buf);
    if (buf.byteLength !== MiB || buf[0] !== first) throw new Error('payload: buffer changed');
  }
  const s = (performance.now() - t0) / 1000;
  // CPU time of this process (all its threads; not a process pool's children) per round trip:
  // on a shared machine it varies far less than the wall-clock figure.
  const cpu = process.cpuUsage(cpu0);
  const cpuUsPerRoundTrip = (cpu.user + cpu.system) / n;
  return { roundTrips: n, seconds: s, perSecond: n / s, MBps: (n * MiB) / 1e6 / s, cpuUsPerRoundTrip };
}

/**
 * The cost of collecting `pool.stats()`: one-task-per-call throughput of `pool` (stats on, the
 * default) against a second pool with `stats: false`. The difference is a few percent at most,
 * less than the noise of one run on a shared machine, so each side runs 4 times (a quarter of the
 * throughput scenario's tasks each), in the order on, off, off, on, on, off, off, on: a drift of
 * the machine's speed weighs on both sides alike. Each side reports its median and its runs.
 */
async function statsCost(adapter, lib, pool, cfg) {
  const n = Math.max(1000, Math.round((cfg.tasks ?? 200_000) / 4));
  const bare = await adapter.createWithoutStats(lib, cfg.workers);
  try {
    await throughput(adapter, bare, cfg.warmup ?? 2000); // its workers started, its code paths warm
    const runs = { on: [], off: [] };
    for (const side of ['on', 'off', 'off', 'on', 'on', 'off', 'off', 'on']) {
      await gc();
      runs[side].push((await throughput(adapter, side === 'on' ? pool : bare, n)).perSecond);
    }
    const side = (xs) => ({ tasks: n, runs: xs.map(Math.round), perSecond: median(xs) });
    return { throughputStatsOn: side(runs.on), throughputStatsOff: side(runs.off) };
  } finally {
    await adapter.destroy(bare);
  }
}

/**
 * I/O-bound tasks: each awaits a 1 ms timer and returns 1. A pool of its own, with
 * `concurrentTasksPerWorker` = `perWorker` (the peers that have the option), so a worker keeps
 * that many tasks waiting at once; all `n` are submitted at once.
 */
async function ioBound(adapter, lib, workers, perWorker, n) {
  const pool = await adapter.createConcurrent(lib, workers, perWorker);
  try {
    const burst = async (count) => {
      const pending = new Array(count);
      for (let i = 0; i < count; i++) pending[i] = adapter.callIo(pool);
      const results = await Promise.all(pending);
      if (results.some((r) => r !== 1)) throw new Error('io: wrong result');
    };
    await burst(Math.min(n, 1000)); // warm-up: workers started, the task seen
    await gc();
    const t0 = performance.now();
    await burst(n);
    const s = (performance.now() - t0) / 1000;
    return { tasks: n, workers, perWorker, seconds: s, perSecond: n / s };
  } finally {
    await adapter.destroy(pool);
  }
}

/** Start-up mode: load the library, create the pool, run one task, print timings, exit. */
async function startup(adapter, cfg) {
  const lib = await adapter.load();
  const tLoaded = performance.now();
  const pool = await adapter.create(lib, cfg.workers, cfg.poolOptions);
  const tCreated = performance.now();
  const r = await adapter.call(pool, 1, 2);
  const tFirst = performance.now();
  if (r !== 3) throw new Error(`startup: wrong result ${r}`);
  out({ tLoaded, tCreated, tFirst });
  await adapter.destroy(pool);
}

/** Entry point of every runner file. */
export async function drive(adapter) {
  const cfg = JSON.parse(process.argv[2] ?? '{}');
  cfg.workers ??= 2;
  try {
    if (cfg.mode === 'startup') {
      await startup(adapter, cfg);
      process.exit(0);
    }
    const lib = await adapter.load();
    const pool = await adapter.create(lib, cfg.workers);
    const res = { peer: adapter.name, workers: cfg.workers, version: adapter.version?.(lib) };
    // warm-up: workers started, code paths compiled
    await throughput(adapter, pool, cfg.warmup ?? 2000);
    await latency(adapter, pool, 200);
    const want = new Set(cfg.scenarios ?? ['latency', 'throughput', 'map', 'payload', 'io']);
    if (want.has('latency')) {
      await gc();
      res.latency = await latency(adapter, pool, cfg.latencyN ?? 1000);
    }
    if (want.has('throughput')) {
      await gc();
      res.throughput = await throughput(adapter, pool, cfg.tasks ?? 200_000);
      if (adapter.createWithoutStats) Object.assign(res, await statsCost(adapter, lib, pool, cfg));
    }
    if (want.has('map') && adapter.map) {
      await gc();
      res.mapDefault = await map(adapter, pool, cfg.tasks ?? 200_000, undefined);
      await gc();
      res.mapChunk1 = await map(adapter, pool, cfg.tasks ?? 200_000, 1);
    }
    if (want.has('payload') && adapter.echo) {
      await gc();
      // Copied: 1,000 round trips (at ~1k/s, 200 were timed over ~0.2 s, and the same pool gave
      // 1,037 to 1,898/s from one process to the next).
      res.payload = await payload(adapter, pool, cfg.payloadN ?? 1000, false);
      if (adapter.echoTransfer) {
        await gc();
        // More round trips than copied: at ~10k/s, 200 would be timed over ~20 ms, shorter than
        // one time slice of a loaded machine, so a single preemption would move the figure by a third.
        res.payloadTransfer = await payload(adapter, pool, cfg.payloadTransferN ?? cfg.payloadN ?? 2000, true);
      }
    }
    await adapter.destroy(pool);
    if (want.has('io') && adapter.createConcurrent) res.io = await ioBound(adapter, lib, cfg.workers, cfg.ioPerWorker ?? 16, cfg.ioTasks ?? 20_000);
    out(res);
    process.exit(0);
  } catch (err) {
    if (err instanceof NotBuilt) out({ peer: adapter.name, skipped: err.message });
    else out({ peer: adapter.name, error: String(err?.stack ?? err) });
    process.exit(err instanceof NotBuilt ? 0 : 1);
  }
}
