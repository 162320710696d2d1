/**
 * The guard against pools spawning pools for ever (Python's "bootstrapping phase" RuntimeError).
 *
 * A worker finds a task by importing the module that declares it. When that module is the
 * program's entry script and creates a pool at top level, the import runs that code again in the
 * worker, whose pool's workers import the script again, and so on. So while a worker imports a
 * task module (or the initializer's), `new Pool` throws {@link TopLevelPoolError}.
 *
 * Why an AsyncLocalStorage and not a flag set around the import: the import is asynchronous, and a
 * task of another module may run meanwhile and create a pool at run time, which is allowed. The
 * store follows the import's own continuations (its top-level code, also after a top-level
 * `await`, and the timers it starts), so only code that the import runs is refused.
 *
 * Why enabled only while an import is pending: in Node 20 an enabled AsyncLocalStorage hooks every
 * promise (measured 2-4x slower on promise-heavy code); imports happen once per module per worker,
 * so the tasks run with the hooks off.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { TopLevelPoolError } from './errors.js';

interface ImportGuard {
  readonly storage: AsyncLocalStorage<string>;
  pending: number;
}

/** On globalThis so that the ESM and CJS copies of pool-core share one guard. */
const KEY = Symbol.for('mpool.taskImportGuard');

function guard(): ImportGuard {
  const g = globalThis as unknown as Record<symbol, ImportGuard | undefined>;
  g[KEY] ??= { storage: new AsyncLocalStorage<string>(), pending: 0 };
  return g[KEY];
}

/** Worker side: runs `load` (the import of `moduleUrl`) with pools refused in the code it runs. */
export async function importingTaskModule<T>(moduleUrl: string, load: () => Promise<T>): Promise<T> {
  const state = guard();
  state.pending++;
  try {
    return await state.storage.run(moduleUrl, load);
  } finally {
    if (--state.pending === 0) state.storage.disable();
  }
}

/** The URL of the task module whose import runs the calling code, if any. */
export function taskModuleBeingImported(): string | undefined {
  return guard().storage.getStore();
}

/**
 * Called first by the Pool constructor.
 * @param where the constructor, for the message (e.g. `new ProcessPool`).
 * @throws TopLevelPoolError when the calling code runs as part of a worker's task-module import.
 */
export function refusePoolDuringTaskImport(where: string): void {
  const moduleUrl = taskModuleBeingImported();
  if (moduleUrl === undefined) return;
  throw new TopLevelPoolError(
    `${where} was called while a pool worker was importing ${moduleUrl} to find a task: the module's ` +
      'top-level code runs again in every worker, so each would start a pool of its own, for ever. ' +
      'Declare the tasks in a module of their own (e.g. tasks.ts) and import it from the main script, ' +
      'or run the main code only outside workers: `if (!isPoolWorker()) { ... }` ' +
      "(or, in ESM, `if (import.meta.url === pathToFileURL(process.argv[1]).href) { ... }`).",
  );
}
