// The peer of the bullmq section: plain BullMQ, one job per item, in this (fresh) process; prints
// one JSON line. Called as `node plain-bullmq.mjs '<config json>'` by src/bullmq.mjs with config
// { url, queue, n, batch, workers, concurrency, loneN }: starts `workers` plain-worker.mjs processes
// (`concurrency` jobs each), adds n jobs { x } with Queue.addBulk in batches of `batch` (awaited
// one after the other, the workers take jobs meanwhile), and counts the results through
// QueueEvents 'completed', as a BullMQ caller gets them. Job options as BullmqPool's own:
// removeOnComplete, removeOnFail, attempts 1. Then `loneN` lone jobs one after the other: the
// round trip of one job, beside BullmqPool's lone apply.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Queue, QueueEvents } from 'bullmq';
import { percentile } from '../stats.mjs';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const WORKER = fileURLToPath(new URL('./plain-worker.mjs', import.meta.url));
const { hostname, port } = new URL(cfg.url);
const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
const children = [];

function startWorker() {
  const child = spawn(process.execPath, [WORKER, JSON.stringify({ url: cfg.url, queue: cfg.queue, concurrency: cfg.concurrency })], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('plain worker not ready within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`plain worker exited (code ${code}) before ready`)));
    child.stdout.setEncoding('utf8').once('data', () => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve();
    });
  });
}

/** Stops the workers by pid: SIGTERM (they close), SIGKILL after 10 s. */
function stopWorkers() {
  return Promise.all(
    children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      return exited.finally(() => clearTimeout(timer));
    }),
  );
}

/** Adds `n` jobs and resolves once QueueEvents saw all of them completed. */
async function once(queue, events, n, base) {
  let done = 0;
  let sum = 0;
  const finished = new Promise((resolve, reject) => {
    events.on('completed', ({ returnvalue }) => {
      sum += Number(returnvalue);
      if (++done === n) resolve();
    });
    events.on('failed', ({ failedReason }) => reject(new Error(`job failed: ${failedReason}`)));
  });
  const opts = { removeOnComplete: true, removeOnFail: true, attempts: 1 };
  const t0 = performance.now();
  for (let i = 0; i < n; i += cfg.batch) {
    const jobs = [];
    for (let x = i; x < Math.min(n, i + cfg.batch); x++) jobs.push({ name: 'square', data: { x: base + x }, opts });
    await queue.addBulk(jobs);
  }
  const tAdded = performance.now();
  await finished;
  const s = (performance.now() - t0) / 1000;
  events.removeAllListeners('completed');
  events.removeAllListeners('failed');
  let want = 0;
  for (let x = base; x < base + n; x++) want += x * x;
  if (sum !== want) throw new Error(`wrong sum of results: ${sum}, want ${want}`);
  return { items: n, seconds: s, perSecond: n / s, addedPerSecond: n / ((tAdded - t0) / 1000) };
}

/** `n` sequential lone jobs (`queue.add`, then its 'completed' event): percentiles in ms. */
async function lone(queue, events, n) {
  let waiting;
  events.on('completed', ({ jobId, returnvalue }) => waiting?.(jobId, Number(returnvalue)));
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const done = new Promise((resolve) => {
      waiting = (id, value) => id === job.id && resolve(value);
    });
    const job = await queue.add('square', { x: i }, { removeOnComplete: true, removeOnFail: true, attempts: 1 });
    if ((await done) !== i * i) throw new Error('lone: wrong result');
    ms.push(performance.now() - t0);
  }
  events.removeAllListeners('completed');
  return { calls: n, p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99) };
}

let queue;
let events;
try {
  // The events stream is trimmed to ~10,000 entries by default (4 per job here): keep all of a run's.
  queue = new Queue(cfg.queue, { connection, streams: { events: { maxLen: 10 * (cfg.n + 1000) } } });
  await queue.waitUntilReady();
  // lastEventId 0: the queue is new, so every event of it is this run's, none is missed while
  // QueueEvents' first read is still on its way.
  events = new QueueEvents(cfg.queue, { connection, lastEventId: '0' });
  await events.waitUntilReady();
  await Promise.all(Array.from({ length: cfg.workers }, startWorker));
  await once(queue, events, 1000, 0); // warm-up: workers' connections and code paths
  await new Promise((resolve) => setTimeout(resolve, 250));
  const res = await once(queue, events, cfg.n, 1000);
  await lone(queue, events, cfg.loneWarmup ?? 0); // warm-up of the one-at-a-time path, as BullmqPool's
  res.lone = await lone(queue, events, cfg.loneN);
  await stopWorkers();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  out({ peer: 'bullmq', workers: cfg.workers, concurrency: cfg.concurrency, batch: cfg.batch, ...res });
  process.exit(0);
} catch (err) {
  await stopWorkers();
  out({ error: String(err?.stack ?? err) });
  process.exit(1);
}
