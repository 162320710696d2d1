// digest-tree on a fleet (issue 14): the mixed corpus with `--backend bullmq` on 2 local
// mpool-workers (--concurrency 1 each: 2 hashing processes, as `--backend procs --jobs 2` has)
// against `--backend procs --jobs 2`, warm page cache, the two taking turns run by run so that
// the machine's load falls on both alike. Own redis-server and workers (fleet.mjs), stopped by pid.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { q, run, sh } from './proc.mjs';
import { summarize } from './stats.mjs';
import { REPO_ROOT, digestTreeBin } from './workspace.mjs';
import { redisServerBinary, startFleet, startRedis } from './bullmq/fleet.mjs';

const WORKER_BIN = join(REPO_ROOT, 'packages/pool-bullmq/dist/bin.js');
/** The fleet: 2 mpool-workers of 1 process each on this machine's 2 cores. */
export const FLEET_SHAPE = { workers: 2, concurrency: 1 };
/** Issue 14's goal: bullmq within this factor of procs on the mixed corpus. */
export const FLEET_GOAL = 1.3;

/** `tree`: { dir, files, bytes }. Returns { files, bytes, procs, bullmq: { command, summary{seconds} }, ratio, load } or { skipped | error }. */
export async function runDigestFleet({ tree, runs, log }) {
  const dt = digestTreeBin();
  if (dt.error) return { skipped: dt.error };
  const binary = redisServerBinary();
  if (!binary) return { skipped: 'redis-server is not installed (bash scripts/setup.sh, or apt-get install redis-server)' };
  if (!existsSync(WORKER_BIN)) return { skipped: '@mpool/pool-bullmq not built yet (run pnpm build)' };
  const root = join(REPO_ROOT, 'apps/digest-cli'); // the workers' --root: digest-cli's dist/tasks.cjs (the bin's task module)
  const out = { dir: tree.dir, files: tree.files, bytes: tree.bytes, fleet: FLEET_SHAPE, runs };
  let redis;
  let fleet = [];
  try {
    redis = await startRedis(binary);
    const queue = `digest-bench-${Date.now().toString(36)}`;
    fleet = await startFleet({ bin: WORKER_BIN, url: redis.url, queue, concurrency: FLEET_SHAPE.concurrency, root }, FLEET_SHAPE.workers);
    log(`  redis-server on ${redis.url}, ${fleet.length} mpool-workers (--concurrency ${FLEET_SHAPE.concurrency}) on queue ${queue}`);
    const base = `${q(process.execPath)} ${q(dt.bin)}`;
    const tools = {
      procs: `${base} --backend procs --jobs 2 ${q(tree.dir)}`,
      // --jobs left to its default (twice the CPUs: 4 slots here): what a user gets.
      bullmq: `${base} --backend bullmq --redis ${q(redis.url)} --queue ${q(queue)} ${q(tree.dir)}`,
    };
    const secs = { procs: [], bullmq: [] };
    const loads = [];
    for (const cmd of Object.values(tools)) {
      const warm = await sh(`${cmd} | wc -l`, { timeoutMs: 600_000 }); // warm-up (page cache, the workers' processes)
      if (warm.code !== 0 || Number(warm.stdout.trim()) !== tree.files) throw new Error(`warm-up of ${cmd}: exit ${warm.code}, ${warm.stdout.trim()} lines for ${tree.files} files: ${warm.stderr.trim().split('\n').pop()}`);
    }
    const same = await sh(`cmp <(${tools.procs}) <(${tools.bullmq})`, { timeoutMs: 600_000 });
    if (same.code !== 0) throw new Error(`--backend bullmq and --backend procs printed different output: ${same.stdout.trim()}`);
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? ['procs', 'bullmq'] : ['bullmq', 'procs'];
      for (const id of order) {
        loads.push(Number((await run('cat', ['/proc/loadavg'])).stdout.split(' ')[0]));
        const r = await sh(`${tools[id]} > /dev/null`, { timeoutMs: 600_000 });
        if (r.code !== 0) throw new Error(`${id}: exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
        secs[id].push(r.ms / 1000);
      }
    }
    for (const id of Object.keys(tools)) {
      out[id] = { command: tools[id].replace(redis.url, 'redis://127.0.0.1:PORT').replace(queue, 'QUEUE'), summary: { seconds: summarize(secs[id]) } };
      log(`    ${id}: ${secs[id].map((s) => s.toFixed(2)).join(', ')} s`);
    }
    out.ratio = out.bullmq.summary.seconds.median / out.procs.summary.seconds.median;
    out.load = summarize(loads);
    log(`    bullmq ÷ procs: ${out.ratio.toFixed(2)}× (goal ≤ ${FLEET_GOAL}×), 1-minute load ${out.load.median}`);
  } catch (err) {
    out.error = err.message;
    log(`  fleet section failed: ${err.message}`);
  } finally {
    await Promise.all(fleet.map((w) => w.stop()));
    await redis?.stop();
  }
  return out;
}
