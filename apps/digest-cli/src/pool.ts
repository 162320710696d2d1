/**
 * Opening the pool of the chosen backend, and the address of the worker task. Backends are
 * imported on demand so that a run with threads never loads the processes backend.
 */
import type { Pool, TaskRef } from '@mpool/pool-threads';
import { taskRef } from '@mpool/pool-threads';
import { SetupError } from './errors.js';
import type { work } from './tasks.js';

/** Which kind of worker runs the tasks. */
export type Backend = 'threads' | 'procs';

/**
 * The `work` task by address, not by import: workers load `tasks.{js,cjs}` next to this file in
 * dist/ (or `tasks.ts` when running from source), and the library bundle stays free of it.
 */
export function workTask(): TaskRef<typeof work> {
  const here = import.meta.url;
  const ext = /\.(c|m)?ts$/.test(here) ? '.ts' : here.endsWith('.cjs') ? '.cjs' : '.js';
  return taskRef<typeof work>(new URL(`./tasks${ext}`, here), 'work');
}

/** A new pool of `jobs` workers of the given backend. */
export async function openPool(backend: Backend, jobs: number): Promise<Pool> {
  if (backend === 'threads') {
    const { ThreadPool } = await import('@mpool/pool-threads');
    return new ThreadPool({ processes: jobs });
  }
  const { ProcessPool } = await importProcs();
  return new ProcessPool({ processes: jobs });
}

async function importProcs(): Promise<typeof import('@mpool/pool-procs')> {
  try {
    return await import('@mpool/pool-procs');
  } catch (cause) {
    throw new SetupError(`the procs backend is not available (${(cause as Error).message})`, { cause });
  }
}
