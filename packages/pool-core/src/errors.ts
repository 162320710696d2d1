/**
 * Error classes of mpool. How errors cross a worker boundary is in error-wire.ts (re-exported here).
 *
 * `instanceof` holds across copies of this module: the package ships an ESM and a CJS build, and an
 * application can load both (one dependency `import`s mpool, another `require`s it), so an error
 * made by one copy must pass `instanceof` against the other copy's class. Each class's prototype
 * carries a brand, a registered symbol (`Symbol.for`, the same in every copy), and the classes
 * check the brand. A user's subclass of PoolError is checked the ordinary way.
 */

/** Brand symbol of each mpool class (of this copy), by class. */
const BRANDS = new Map<Function, symbol>();
const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

/** Marks `ctor.prototype` with the brand of `name`, shared by every copy of pool-core. */
function brand(ctor: Function, name: string): void {
  const key = Symbol.for(`@mpool/pool-core.${name}`);
  Object.defineProperty(ctor.prototype, key, { value: true });
  BRANDS.set(ctor, key);
}

/** Base class of the errors that mpool itself raises (not the ones your tasks throw). */
export class PoolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  /** `instanceof` by brand for mpool's own classes (see the file comment); ordinary for subclasses. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (ordinaryHasInstance.call(this, value)) return true;
    const key = BRANDS.get(this);
    if (key === undefined || value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
    try {
      return key in value;
    } catch {
      return false; // a revoked proxy
    }
  }
}

/** `AsyncResult.get(timeoutMs)` / `wait`-style deadline passed. The task itself keeps running. */
export class TimeoutError extends PoolError {
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number) {
    super(message);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The pool is in the wrong state for the call: work submitted after `close()`/`terminate()`,
 * `join()` before either, or a result that was still pending when the pool was terminated.
 */
export class PoolStateError extends PoolError {}

/**
 * A pool was created by the top-level code of a module while a pool worker imported it to find a
 * task (or the initializer): the script's main code ran again inside the worker. Declare the tasks
 * in a module of their own, or guard the main code with `if (!isPoolWorker())`. Python raises
 * RuntimeError here; without it every worker would start a pool, for ever.
 */
export class TopLevelPoolError extends PoolStateError {}

/** `AsyncResult.successful()` was called before the result was ready (Python: ValueError). */
export class ResultNotReadyError extends PoolError {}

/** The worker running (or holding) the task exited. `exitCode`/`signal` say how. */
export class WorkerCrashedError extends PoolError {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly workerId: number;
  constructor(message: string, info: { exitCode: number | null; signal: NodeJS.Signals | null; workerId: number }) {
    super(message);
    this.exitCode = info.exitCode;
    this.signal = info.signal;
    this.workerId = info.workerId;
  }
}

/** An argument or a result could not be sent across the worker boundary (Python: MaybeEncodingError). */
export class EncodingError extends PoolError {}

/** The pool's `initializer` threw; `cause` is the initializer's error. The pool is broken for good. */
export class InitializerError extends PoolError {}

/** The call's AbortSignal fired; `cause` is `signal.reason`. `code` matches Node's own AbortError. */
export class AbortError extends PoolError {
  readonly code = 'ABORT_ERR';
}

/**
 * The call would queue more than the pool's `maxQueue` tasks (tasks waiting for a worker); nothing
 * of it was queued or run. `await pool.room()` waits until there is room (see queue-room.ts).
 */
export class QueueFullError extends PoolError {
  /** The pool's `maxQueue`. */
  readonly maxQueue: number;
  /** Tasks that were waiting for a worker when the call came. */
  readonly queued: number;
  /** Tasks the call would have queued (1 for apply, the item count for a map). */
  readonly requested: number;
  constructor(message: string, info: { maxQueue: number; queued: number; requested: number }) {
    super(message);
    this.maxQueue = info.maxQueue;
    this.queued = info.queued;
    this.requested = info.requested;
  }
}

brand(PoolError, 'PoolError');
brand(TimeoutError, 'TimeoutError');
brand(PoolStateError, 'PoolStateError');
brand(ResultNotReadyError, 'ResultNotReadyError');
brand(WorkerCrashedError, 'WorkerCrashedError');
brand(EncodingError, 'EncodingError');
brand(InitializerError, 'InitializerError');
brand(AbortError, 'AbortError');
brand(QueueFullError, 'QueueFullError');

export { serializeError, deserializeError, isCloneable } from './error-wire.js';
export type { SerializedError, BuiltinErrorName } from './error-wire.js';
