/**
 * `mpool-worker`: serves a BullmqPool fleet queue from this machine. See `mpool-worker --help`
 * and the package README ("Running on many machines").
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { RedisOptions } from 'ioredis';
import { cpuCount } from '@mpool/pool-core';
import { configurationFault, redactUrl, redisOptions } from '../connection.js';
import { FleetWorker } from './fleet-worker.js';

const int = (min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
};
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const program = new Command('mpool-worker')
  .description(
    'Serve the BullmqPool calls of a queue from this machine: take jobs from the queue and run their tasks in a local mpool pool.\n' +
      'Delivery is at least once: the jobs of a worker that dies (kill -9, a lost host) run again on another worker once\n' +
      'its lock expires, after about --lock-ms plus up to twice --stalled-ms.',
  )
  .requiredOption('--redis <url>', 'the fleet\'s Redis: redis://[user:password@]host:port[/db], or rediss://… for TLS (env MPOOL_REDIS_URL)', process.env.MPOOL_REDIS_URL)
  .requiredOption('--queue <name>', 'the queue to serve: the `queue` option of the BullmqPools (env MPOOL_QUEUE)', process.env.MPOOL_QUEUE)
  .option('--concurrency <n>', 'jobs run at once, and processes (or threads) of the local pool; default: CPU count', int(1))
  .addOption(new Option('--backend <kind>', 'run tasks in child processes or worker threads').choices(['procs', 'threads']).default('procs'))
  .option('--root <dir>', 'import task modules only from under this folder (repeatable; default: the current directory)', collect)
  .option('--prefix <prefix>', "BullMQ's key prefix: the pools' `prefix` option", 'bull')
  .option('--lock-ms <n>', "BullMQ lockDuration: a job's lock lives this long unless renewed (a dead worker's jobs are taken over after it)", int(1000), 30_000)
  .option('--stalled-ms <n>', 'BullMQ stalledInterval: how often expired locks are looked for', int(1000), 30_000)
  .option('--max-stalled <n>', 'BullMQ maxStalledCount: re-runs of a job whose worker died; past it the call fails with WorkerCrashedError', int(0), 1)
  .option('--grace-ms <n>', 'on SIGTERM/SIGINT, how long running jobs may finish before they are handed back to the queue', int(0), 10_000)
  .addHelpText(
    'after',
    '\nA job must name task modules under a --root folder; any other is refused (TaskModuleRefusedError), never imported.\n' +
      'Run the same code at the same path on every host (task modules are named by file URL).\n' +
      'SIGTERM/SIGINT: stop taking jobs, let running ones finish for --grace-ms, hand back the rest, exit 0.',
  );

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<{ redis: string; queue: string; concurrency?: number; backend: 'procs' | 'threads'; root?: string[]; prefix: string; lockMs: number; stalledMs: number; maxStalled: number; graceMs: number }>();
  let redis: RedisOptions;
  try {
    redis = redisOptions(opts.redis, 'mpool-worker --redis');
  } catch (error) {
    return program.error(`error: ${(error as Error).message}`);
  }
  if (opts.queue === '' || opts.queue.includes(':')) program.error(`error: --queue must be a non-empty name without ':', got ${JSON.stringify(opts.queue)}`);
  let failing = false;
  const fatal = (why: string) => {
    if (failing) return;
    failing = true;
    // Credentials or certificates: every retry fails the same way, so say so once and exit 1
    // (the jobs it held are taken over by the other workers once their locks expire).
    process.stderr.write(`mpool-worker: cannot use Redis at ${redactUrl(opts.redis)}: ${why}\n`);
    void worker.stop().finally(() => process.exit(1));
  };
  const worker = new FleetWorker({
    redis,
    queue: opts.queue,
    prefix: opts.prefix,
    concurrency: opts.concurrency ?? cpuCount(),
    backend: opts.backend,
    roots: opts.root ?? [process.cwd()],
    lockMs: opts.lockMs,
    stalledMs: opts.stalledMs,
    maxStalled: opts.maxStalled,
    graceMs: opts.graceMs,
    log: (line) => process.stderr.write(`${line}\n`),
    fatal,
  });
  const stop = (signal: string) => {
    process.stderr.write(`mpool-worker: ${signal}: finishing the running jobs (up to ${opts.graceMs} ms), then exiting\n`);
    worker.stop().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`mpool-worker: stopping failed: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  try {
    await worker.start();
  } catch (error) {
    const why = configurationFault(error);
    if (why === null) throw error;
    return fatal(why); // said once, whichever connection saw it first
  }
  process.stdout.write(`mpool-worker: serving queue ${opts.queue} on ${redactUrl(opts.redis)}, ${opts.backend}, roots ${worker.roots.join(', ')}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`mpool-worker: ${error.message}\n`);
  process.exit(1);
});
