/**
 * Opening the pool of the chosen backend, and the address of the worker task. Backends are
 * imported on demand so that a run with threads never loads the processes backend (nor
 * bullmq/ioredis: fleet.ts).
 */
import type { Pool, TaskRef } from '@mpool/pool-threads';
import { taskRef } from '@mpool/pool-threads';
import { SetupError } from './errors.js';
import { fleetDefaultJobs, openFleetPool, type FleetOptions } from './fleet.js';
import type { work } from './tasks.js';

/** Which kind of worker runs the tasks: threads, processes, or the mpool-workers of a BullMQ queue. */
export type Backend = 'threads' | 'procs' | 'bullmq';

/** `--jobs` when not given: workers (threads, procs) or fleet slots (bullmq, see fleet.ts). */
export const defaultJobs = (backend: Backend, cpus: number): number => (backend === 'bullmq' ? fleetDefaultJobs(cpus) : cpus);

/**
 * The `work` task by address, not by import: workers load `tasks.{js,cjs}` next to this file in
 * dist/ (or `tasks.ts` when running from source), and the library bundle stays free of it.
 */
export function workTask(): TaskRef<typeof work> {
  const here = import.meta.url;
  const ext = /\.(c|m)?ts$/.test(here) ? '.ts' : here.endsWith('.cjs') ? '.cjs' : '.js';
  return taskRef<typeof work>(new URL(`./tasks${ext}`, here), 'work');
}

/**
 * Young generation of each worker, in MiB. A worker's garbage is short-lived (directory
 * listings, path lists, messages), but V8 grows the young generation of a busy isolate to
 * 32 MiB, which on two workers was a fifth of the peak memory of a million-file run. 4 MiB
 * keeps scavenges cheap and frequent.
 */
export const WORKER_YOUNG_MB = 4;

/** A new pool of `jobs` workers of the given backend (`fleet`: where, for bullmq). */
export async function openPool(backend: Backend, jobs: number, fleet?: FleetOptions): Promise<Pool> {
  if (backend === 'bullmq') {
    if (fleet === undefined) throw new SetupError('the bullmq backend needs the fleet: a Redis URL and a queue name');
    return openFleetPool(fleet, jobs);
  }
  if (backend === 'threads') {
    const { ThreadPool } = await import('@mpool/pool-threads');
    return new ThreadPool({ processes: jobs, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
  }
  const { ProcessPool } = await importProcs();
  // A semi-space is a third of the young generation (V8's own ratio for --max-semi-space-size).
  return new ProcessPool({ processes: jobs, execArgv: [`--max-semi-space-size=${Math.max(1, Math.floor(WORKER_YOUNG_MB / 3))}`] });
}

async function importProcs(): Promise<typeof import('@mpool/pool-procs')> {
  try {
    return await import('@mpool/pool-procs');
  } catch (cause) {
    throw new SetupError(`the procs backend is not available (${(cause as Error).message})`, { cause });
  }
}
