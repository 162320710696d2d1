/**
 * Which pool worker this code runs in. Kept on globalThis so ESM and CJS copies agree.
 *
 * A worker's own id is one global. A relayed batch (see relay.ts: `mpool-worker` runs a remote
 * caller's batch, and the task must see the caller's worker id) runs inside an AsyncLocalStorage
 * context instead, so the id stays right after every `await`, also when a worker runs several
 * batches at once (`concurrentTasksPerWorker`) for different callers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const KEY = Symbol.for('mpool.workerId');
const RELAYED_KEY = Symbol.for('mpool.relayedWorkerId');
type Globals = Record<symbol, unknown>;

/** @internal Set by serve() when the pool introduces the worker. */
export function setCurrentWorkerId(id: number): void {
  (globalThis as Globals)[KEY] = id;
}

/** @internal Runs `fn` (and everything it awaits or schedules) seeing `id` as the current worker id. */
export function runAsWorker<T>(id: number, fn: () => T): T {
  const g = globalThis as Globals;
  const store = (g[RELAYED_KEY] ??= new AsyncLocalStorage<number>()) as AsyncLocalStorage<number>;
  return store.run(id, fn);
}

/**
 * The id of the pool worker running the calling code (ids start at 1 and are never reused within
 * a pool), or `undefined` on the main thread. Like Python's `current_process().name`. In a batch
 * relayed by `mpool-worker` (@mpool/pool-bullmq) it is the calling pool's worker (slot) id, in
 * the task's synchronous part and after each `await` alike.
 */
export function currentWorkerId(): number | undefined {
  const g = globalThis as Globals;
  const relayed = (g[RELAYED_KEY] as AsyncLocalStorage<number> | undefined)?.getStore();
  return relayed ?? (g[KEY] as number | undefined);
}

/**
 * True in a pool worker (a thread or child process that a pool started), also while it imports a
 * task module; false in the program's own main code. The guard for a script that declares its
 * tasks in itself: `if (!isPoolWorker()) { const pool = new ThreadPool(); ... }`, so that workers
 * importing the script to find the tasks do not run its main code (Python's
 * `if __name__ == '__main__'`).
 */
export function isPoolWorker(): boolean {
  return currentWorkerId() !== undefined;
}
