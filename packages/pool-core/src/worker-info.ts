/** Which pool worker this code runs in. Kept on globalThis so ESM and CJS copies agree. */
const KEY = Symbol.for('mpool.workerId');

/** @internal Set by serve() when the pool introduces the worker. */
export function setCurrentWorkerId(id: number): void {
  (globalThis as Record<symbol, unknown>)[KEY] = id;
}

/**
 * The id of the pool worker running the calling code (ids start at 1 and are never reused within
 * a pool), or `undefined` on the main thread. Like Python's `current_process().name`.
 */
export function currentWorkerId(): number | undefined {
  return (globalThis as Record<symbol, unknown>)[KEY] as number | undefined;
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
