/**
 * Opening the pool of the chosen backend, and the address of the worker task. Nothing of a
 * pool package is loaded before a pool is opened (a small run needs none, see inline.ts), a run
 * with threads never loads the processes backend, and only a bullmq run loads fleet.ts (and with
 * it @mpool/pool-bullmq, bullmq and ioredis).
 */
import type { Pool, TaskRef } from '@mpool/pool-threads';
import { loadProcs, loadThreads } from './backend-modules.js';
import { SetupError } from './errors.js';
import type { FleetOptions } from './fleet.js';
import type { work } from './tasks.js';

/** Which kind of worker runs the tasks: threads, processes, or the mpool-workers of a BullMQ queue. */
export type Backend = 'threads' | 'procs' | 'bullmq';

/**
 * `--jobs` when not given: workers (threads, procs) or, for bullmq, slots (jobs in flight on the
 * fleet): twice the CPU count of this host. Each slot has one job in flight; a job costs a broker
 * round trip (~2 ms) on top of its few ms of hashing, so twice as many slots as fleet processes
 * keeps a job queued behind each running one. That suits a fleet about this host's size (say two
 * workers of half its cores); for a bigger fleet pass `--jobs` = twice its total `--concurrency`
 * (see the README). Here, not in fleet.ts, so that a local run does not load that file.
 */
export const defaultJobs = (backend: Backend, cpus: number): number => (backend === 'bullmq' ? 2 * cpus : cpus);

/** An open pool, the address of the task its workers run, and its abort rejection's test. */
export interface OpenPool {
  pool: Pool;
  task: TaskRef<typeof work>;
  /** True for the error a job of this pool rejects with when its signal aborts. */
  isAbort(error: unknown): boolean;
  /** True once a worker holds work: a starting worker cannot (pool-core's `stats().busy`). */
  working(): boolean;
}

/**
 * Young generation of each worker, in MiB. A worker's garbage is short-lived (directory
 * listings, path lists, messages), but V8 grows the young generation of a busy isolate to
 * 32 MiB, which on two workers was a fifth of the peak memory of a million-file run. 4 MiB
 * keeps scavenges cheap and frequent.
 */
export const WORKER_YOUNG_MB = 4;

/** A new pool of `jobs` workers of the given backend (`fleet`: where, for bullmq). */
export async function openPool(backend: Backend, jobs: number, fleet?: FleetOptions): Promise<OpenPool> {
  if (backend === 'bullmq') {
    if (fleet === undefined) throw new SetupError('the bullmq backend needs the fleet: a Redis URL and a queue name');
    const { openFleetPool } = await import('./fleet.js');
    const { pool, bullmq } = await openFleetPool(fleet, jobs);
    return { pool, task: workTask(bullmq.taskRef), isAbort: (error) => error instanceof bullmq.AbortError, working: () => working(pool) };
  }
  if (backend === 'threads') {
    const threads = await loadThreads();
    const pool = new threads.ThreadPool({ processes: jobs, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    return { pool, task: workTask(threads.taskRef), isAbort: (error) => error instanceof threads.AbortError, working: () => working(pool) };
  }
  const procs = (await checkBackend(backend))!;
  // A semi-space is a third of the young generation (V8's own ratio for --max-semi-space-size).
  const pool = new procs.ProcessPool({ processes: jobs, execArgv: [`--max-semi-space-size=${Math.max(1, Math.floor(WORKER_YOUNG_MB / 3))}`] });
  return { pool, task: workTask(procs.taskRef), isAbort: (error) => error instanceof procs.AbortError, working: () => working(pool) };
}

function working(pool: Pool): boolean {
  try {
    return pool.stats().busy > 0;
  } catch {
    return true; // no stats (not our pools): do not keep the main thread busy on a guess
  }
}

/**
 * Loads the backend's package if it is not the default one, so that a missing backend fails
 * every run alike, the small ones too (which open no pool). @throws SetupError.
 */
export async function checkBackend(backend: Backend): Promise<typeof import('@mpool/pool-procs') | null> {
  // bullmq: never a run without a pool (inline hashing is off, digest.ts); openPool reports it.
  if (backend === 'threads' || backend === 'bullmq') return null;
  try {
    return await loadProcs();
  } catch (cause) {
    throw new SetupError(`the procs backend is not available (${(cause as Error).message})`, { cause });
  }
}

/**
 * The `work` task by address, not by import: workers load `tasks.{js,cjs}` next to this file in
 * dist/ (or `tasks.ts` when running from source), and the library bundle stays free of it.
 */
function workTask(taskRef: typeof import('@mpool/pool-core').taskRef): TaskRef<typeof work> {
  const here = import.meta.url;
  const ext = /\.(c|m)?ts$/.test(here) ? '.ts' : here.endsWith('.cjs') ? '.cjs' : '.js';
  return taskRef<typeof work>(new URL(`./tasks${ext}`, here), 'work');
}
