/**
 * Opening the pool of the chosen backend, and the address of the worker task. Nothing of a
 * pool package is loaded before a pool is opened (a small run needs none, see inline.ts), and
 * a run with threads never loads the processes backend.
 */
import type { Pool, TaskRef } from '@mpool/pool-threads';
import { SetupError } from './errors.js';
import type { work } from './tasks.js';

/** Which kind of worker runs the tasks. */
export type Backend = 'threads' | 'procs';

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

/** A new pool of `jobs` workers of the given backend. */
export async function openPool(backend: Backend, jobs: number): Promise<OpenPool> {
  if (backend === 'threads') {
    const threads = await import('@mpool/pool-threads');
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
  if (backend === 'threads') return null;
  try {
    return await import('@mpool/pool-procs');
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
