// A plain BullMQ Worker for the bullmq section's peer: one job per item, its processor returns x*x.
// Called as `node plain-worker.mjs '{ "url", "queue", "concurrency" }'` by plain-bullmq.mjs; prints
// "ready" once it takes jobs, closes on SIGTERM.
import { Worker } from 'bullmq';

const cfg = JSON.parse(process.argv[2]);
const { hostname, port } = new URL(cfg.url);
const worker = new Worker(cfg.queue, async (job) => job.data.x * job.data.x, {
  connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null },
  concurrency: cfg.concurrency,
});
worker.on('error', (err) => process.stderr.write(`plain-worker: ${err.message}\n`));
await worker.waitUntilReady();
process.stdout.write('ready\n');
process.once('SIGTERM', () => worker.close().then(() => process.exit(0), () => process.exit(1)));
