/**
 * The bullmq backend: digest-tree's work items (listings and hash batches, tasks.ts) run on the
 * `mpool-worker`s of a Redis queue, on any number of hosts that see the tree at the same path.
 * This process only schedules, collects and prints, exactly as with a local pool: the scheduler,
 * the result store, the cache and the output are the same code, so the output is the same bytes.
 *
 * @mpool/pool-bullmq (and with it bullmq and ioredis) is imported only here, on demand: a run
 * on threads or procs never loads it.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from '@mpool/pool-threads';
import { loadBullmq } from './backend-modules.js';
import { FleetError, SetupError, UsageError } from './errors.js';
import type { BytePath } from './paths.js';
import type { WalkContext } from './walk.js';

/** Where the fleet is (`--redis`, `--queue`, `--wait-for-workers`). */
export interface FleetOptions {
  /** The fleet's Redis: `redis://[user:password@]host:port[/db]`, `rediss://` for TLS. */
  redis: string;
  /** The queue its `mpool-worker`s serve. */
  queue: string;
  /**
   * How long the run may wait while no `mpool-worker` serves the queue at all before it fails
   * (exit 1). Default {@link DEFAULT_NO_WORKER_TIMEOUT_MS}.
   */
  noWorkerTimeoutMs?: number;
}

/**
 * 30 s, pool-bullmq's own default: long enough for a supervisor to restart a worker that died,
 * short enough that a run against an empty queue (a typo in --queue) does not look hung.
 */
export const DEFAULT_NO_WORKER_TIMEOUT_MS = 30_000;

/**
 * Time budget of a listing job on the fleet: 4x the local one (scan.ts BUDGET_MS). A job costs a
 * broker round trip and the worker's hand-off (~2-5 ms on a busy host) on top of its work, so a
 * listing that hands leftovers back after 50 ms turned the mixed corpus into ~600 jobs of ~4 ms
 * each; at 200 ms (and with `descend`) it is ~125 jobs.
 */
export const FLEET_LIST_BUDGET_MS = 200;

/**
 * The walk's settings on a fleet: relative paths resolved against the caller's `cwd` (a
 * worker's own directory is another), listings that descend into the subdirectories they find
 * and a longer time budget, so that the mixed corpus (1,241 directories) takes ~90 listing jobs
 * instead of ~600 (measured). `descend` stays off with --cache, whose entries are sent per
 * directory listed.
 */
export function fleetContext(ctx: WalkContext, cwd: BytePath): WalkContext {
  return { ...ctx, cwd, descend: !ctx.cache, budgetMs: FLEET_LIST_BUDGET_MS };
}

/** A BullmqPool of `jobs` slots on the fleet, and the package it comes from (pool.ts makes the OpenPool). */
export async function openFleetPool(fleet: FleetOptions, jobs: number): Promise<{ pool: Pool; bullmq: typeof import('@mpool/pool-bullmq') }> {
  let mod: typeof import('@mpool/pool-bullmq');
  try {
    mod = await loadBullmq();
  } catch (cause) {
    throw new SetupError(`the bullmq backend is not available (${(cause as Error).message})`, { cause });
  }
  try {
    const pool = new mod.BullmqPool({
      connection: fleet.redis,
      queue: fleet.queue,
      processes: jobs,
      noWorkerTimeoutMs: fleet.noWorkerTimeoutMs ?? DEFAULT_NO_WORKER_TIMEOUT_MS,
    });
    return { pool, bullmq: mod };
  } catch (error) {
    // A URL that parses but that ioredis cannot use (bad port, bad db): the input is the user's.
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(`--redis: ${error.message.replace(/^new BullmqPool: /, '')}`);
    throw error;
  }
}

/** The folder `mpool-worker --root` must cover: this package's (dist/tasks.{js,cjs} live under it). */
export function taskRoot(): string {
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

/**
 * The fleet's failures as digest-tree errors, by name (the classes live in pool-bullmq, which a
 * local run never loads): no worker, Redis gone or refusing us, a job given up after its workers
 * died too often → exit 1; a worker refusing our task module → exit 2 (set-up), with the
 * `--root` to give. Anything else: null (not a fleet failure).
 */
export function fleetFailure(error: unknown): Error | null {
  const name = (error as Error | null)?.name;
  const message = (error as Error | null)?.message ?? '';
  const root = `start each mpool-worker with --root ${taskRoot()} (it serves digest-tree's task module)`;
  if (name === 'NoWorkerError') return new FleetError(`${message}; ${root}`, { cause: error });
  if (name === 'RedisUnavailableError' || name === 'WorkerCrashedError') return new FleetError(message, { cause: error });
  if (name === 'TaskModuleRefusedError') return new SetupError(`${message.replace(/; start mpool-worker with --root covering it$/, '')}; ${root}`, { cause: error });
  return null;
}
