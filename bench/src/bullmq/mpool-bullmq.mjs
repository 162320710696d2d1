// One scenario of the bullmq section on a BullmqPool, in this (fresh) process; prints one JSON line.
// Called as `node --expose-gc src/bullmq/mpool-bullmq.mjs '<config json>'` by src/bullmq.mjs, with
// config { url, queue, processes, scenario: map|latency|throughput|payload, n, inFlight? }.
// The fleet (mpool-workers on `queue`) is the section's and outlives this process.
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { percentile } from '../stats.mjs';
import { importWorkspace, NotBuilt } from '../workspace.mjs';

const TASKS = new URL('./tasks.mjs', import.meta.url).href;
const MiB = 1 << 20;
// As in src/pools/driver.mjs: a garbage collection and a pause before the timed part, so that
// V8's background threads left busy by the warm-up are not billed to the scenario.
const settle = () => {
  globalThis.gc?.();
  return new Promise((resolve) => setTimeout(resolve, 250));
};
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

/** `pool.map(square, items)`, default chunksize: ceil(n / (4 × processes)) items per job. */
async function map(pool, t, n) {
  const items = Array.from({ length: n }, (_, i) => i);
  const t0 = performance.now();
  const results = await pool.map(t.square, items);
  const s = (performance.now() - t0) / 1000;
  for (let i = 0; i < n; i += 997) if (results[i] !== i * i) throw new Error(`map: results[${i}] = ${results[i]}`);
  if (results.length !== n) throw new Error(`map: ${results.length} results for ${n} items`);
  return { items: n, seconds: s, perSecond: n / s };
}

/** `n` sequential `pool.apply(add, [i, 1])`: percentiles of one round trip, in ms. */
async function latency(pool, t, n) {
  const ms = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await pool.apply(t.add, [i, 1]);
    ms[i] = performance.now() - t0;
    if (r !== i + 1) throw new Error(`latency: wrong result ${r}`);
  }
  return { calls: n, p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99), max: percentile(ms, 100) };
}

/** The floor under a lone call: p50 of `n` sequential Redis PINGs from this process (ioredis), in ms. */
async function pingFloor(url, n) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url);
  const ms = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await redis.ping();
    ms[i] = performance.now() - t0;
  }
  redis.disconnect();
  return percentile(ms.slice(Math.min(50, n >> 1)), 50); // the first calls include the connect
}

/** `n` `applyAsync(add, [i, 1])` submitted at once, all awaited: one task per call. */
async function throughput(pool, t, n) {
  const t0 = performance.now();
  const pending = new Array(n);
  for (let i = 0; i < n; i++) pending[i] = pool.applyAsync(t.add, [i, 1]).get();
  const results = await Promise.all(pending);
  const s = (performance.now() - t0) / 1000;
  let sum = 0;
  for (const r of results) sum += r;
  if (sum !== (n * (n - 1)) / 2 + n) throw new Error(`throughput: wrong sum ${sum}`);
  return { tasks: n, seconds: s, perSecond: n / s };
}

/** `n` round trips of a 1 MiB Buffer returned unchanged, `inFlight` of them at a time. */
async function payload(pool, t, n, inFlight) {
  const buf = randomFillSync(Buffer.alloc(MiB));
  const once = async () => {
    const back = await pool.apply(t.echo, [buf]);
    if (back.byteLength !== MiB || back[0] !== buf[0] || back[MiB - 1] !== buf[MiB - 1]) throw new Error('payload: buffer changed');
  };
  let left = n;
  const lane = async () => {
    while (left-- > 0) await once();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, lane));
  const s = (performance.now() - t0) / 1000;
  return { roundTrips: n, inFlight, seconds: s, perSecond: n / s, MBps: (2 * n * MiB) / 1e6 / s };
}

const SCENARIOS = { map, latency, throughput, payload };

const cfg = JSON.parse(process.argv[2] ?? '{}');
let pool;
try {
  const scenario = SCENARIOS[cfg.scenario];
  if (!scenario) throw new Error(`unknown scenario ${cfg.scenario}`);
  const lib = await importWorkspace('@mpool/pool-bullmq', 'packages/pool-bullmq');
  if (typeof lib.BullmqPool !== 'function') throw new NotBuilt('@mpool/pool-bullmq does not export BullmqPool yet');
  const t = { square: lib.taskRef(TASKS, 'square'), add: lib.taskRef(TASKS, 'add'), echo: lib.taskRef(TASKS, 'echo') };
  pool = new lib.BullmqPool({ connection: cfg.url, queue: cfg.queue, processes: cfg.processes });
  // warm-up: connections open, the fleet's local pools started, code paths compiled on both sides
  await throughput(pool, t, 1000);
  // The one-at-a-time path (a blocked BLMPOP woken per call, a job fetched per call) takes ~1,000
  // calls to reach its steady p50 in a fresh process (measured: 2.1 ms over the first 250 calls,
  // 1.2 ms after 1,000), the warm-up the pools section gives its own latency rows.
  await latency(pool, t, cfg.scenario === 'latency' ? (cfg.warmup ?? 1000) : 50);
  if (cfg.scenario === 'map') await map(pool, t, 20_000);
  if (cfg.scenario === 'payload') await payload(pool, t, 4, cfg.inFlight);
  await settle();
  const res = await scenario(pool, t, cfg.n, cfg.inFlight);
  if (cfg.scenario === 'latency') res.pingP50 = await pingFloor(cfg.url, cfg.n);
  await pool.terminate();
  out({ scenario: cfg.scenario, processes: cfg.processes, ...res });
  process.exit(0);
} catch (err) {
  await pool?.terminate().catch(() => {});
  out(err instanceof NotBuilt ? { skipped: err.message } : { error: String(err?.stack ?? err) });
  process.exit(err instanceof NotBuilt ? 0 : 1);
}
