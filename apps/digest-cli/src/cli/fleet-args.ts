/**
 * The options of `--backend bullmq`: `--redis URL`, `--queue NAME` (or MPOOL_REDIS_URL /
 * MPOOL_QUEUE, the variables mpool-worker reads too) and `--wait-for-workers SECONDS`.
 *
 * Given with another backend, the flags are a usage error (they would be silently useless: a
 * user who forgot `--backend bullmq` would hash locally without noticing); the environment
 * variables are not, since they may be set for other tools of the fleet.
 */
import { UsageError } from '../errors.js';
import type { FleetOptions } from '../fleet.js';
import type { Backend } from '../pool.js';
import { commander } from './ordered-command.js';

/** What commander parsed of these flags. */
export interface FleetRaw {
  redis?: string;
  queue?: string;
  waitForWorkers?: number;
}

/**
 * `--wait-for-workers`: seconds, > 0 (decimals allowed). Only commander calls it (the option has
 * a value, so its command line never takes args.ts's operands-only path), hence commander() here
 * rather than a static import, which would load commander for every command line.
 */
export function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || !Number.isFinite(n)) throw new (commander().InvalidArgumentError)('must be a number of seconds > 0');
  return n;
}

/**
 * The fleet of a bullmq run (null for another backend).
 * @throws UsageError naming the flag (and its variable) that is missing or wrong.
 */
export function fleetOptionsOf(backend: Backend, raw: FleetRaw, env: NodeJS.ProcessEnv = process.env): FleetOptions | null {
  if (backend !== 'bullmq') {
    const given = raw.redis !== undefined ? '--redis' : raw.queue !== undefined ? '--queue' : raw.waitForWorkers !== undefined ? '--wait-for-workers' : null;
    if (given) throw new UsageError(`${given} applies only with --backend bullmq`);
    return null;
  }
  const redis = raw.redis ?? env.MPOOL_REDIS_URL ?? '';
  const queue = raw.queue ?? env.MPOOL_QUEUE ?? '';
  if (redis === '') throw new UsageError("--backend bullmq needs the fleet's Redis: --redis URL (or MPOOL_REDIS_URL), e.g. redis://127.0.0.1:6379");
  if (queue === '') throw new UsageError('--backend bullmq needs the queue its mpool-workers serve: --queue NAME (or MPOOL_QUEUE)');
  const from = (flag: string, variable: string, value: string | undefined) => (value !== undefined ? flag : `${variable} (${flag})`);
  checkUrl(redis, from('--redis', 'MPOOL_REDIS_URL', raw.redis));
  if (queue.includes(':')) throw new UsageError(`${from('--queue', 'MPOOL_QUEUE', raw.queue)}: a queue name has no ':', got '${queue}'`);
  return { redis, queue, ...(raw.waitForWorkers !== undefined ? { noWorkerTimeoutMs: Math.round(raw.waitForWorkers * 1000) } : {}) };
}

/** A redis:// or rediss:// URL; the message never repeats a password. */
function checkUrl(url: string, what: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${what}: not a URL (expected redis://[user:password@]host:port[/db], or rediss://... for TLS)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`${what}: expected a redis:// or rediss:// URL, got one starting with ${parsed.protocol}`);
  }
}
