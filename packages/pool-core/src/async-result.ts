/**
 * `AsyncResult`: the handle of `applyAsync` / `mapAsync` / `starmapAsync`, as in Python. Nothing
 * here creates a promise until somebody waits, so a failed result that nobody asks about never
 * becomes an unhandled rejection.
 */
import { ResultNotReadyError, TimeoutError } from './errors.js';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Callbacks of the `*Async` methods. They run once, on the main thread, before `get()` resolves. */
export interface ResultCallbacks<T> {
  /** Called with the value when the work succeeds. An exception thrown here is rethrown asynchronously (uncaught). */
  callback?: (value: T) => void;
  /** Called with the error when the work fails. An exception thrown here is rethrown asynchronously (uncaught). */
  errorCallback?: (error: unknown) => void;
}

/** @internal The engine settles a result through this symbol; users cannot reach it by name. */
export const SETTLE = Symbol('settle');

/** @throws RangeError unless `timeoutMs` is undefined or a number >= 0 (Infinity allowed). */
export function checkTimeout(timeoutMs: number | undefined, where: string): void {
  if (timeoutMs === undefined) return;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`${where}: timeoutMs must be a number >= 0 (or Infinity), got ${String(timeoutMs)}`);
  }
}

/** The pending outcome of work submitted to a pool. */
export class AsyncResult<T> {
  #outcome: Outcome<T> | undefined;
  #waiters: Array<() => void> = [];
  #callbacks: ResultCallbacks<T> | undefined;

  /** @internal Results are made by pools. */
  constructor(callbacks?: ResultCallbacks<T>) {
    this.#callbacks = callbacks;
  }

  /** True once the work has succeeded or failed. */
  ready(): boolean {
    return this.#outcome !== undefined;
  }

  /**
   * True if the work succeeded.
   * @throws ResultNotReadyError if the result is not ready yet.
   */
  successful(): boolean {
    if (this.#outcome === undefined) throw new ResultNotReadyError('successful() was called before the result was ready');
    return this.#outcome.ok;
  }

  /**
   * Waits until the result is ready or `timeoutMs` passed; resolves `true` if ready. Never rejects
   * because of the work's outcome (use `get()` for that).
   * @throws RangeError (synchronously) for a negative or non-numeric timeout.
   */
  wait(timeoutMs?: number): Promise<boolean> {
    checkTimeout(timeoutMs, 'AsyncResult.wait');
    if (this.#outcome !== undefined) return Promise.resolve(true);
    return new Promise((resolve) => this.#whenReady(timeoutMs, () => resolve(true), () => resolve(false)));
  }

  /**
   * The value, or the task's error rethrown (rebuilt with the worker-side stack).
   * Rejects with {@link TimeoutError} if not ready within `timeoutMs`; the work keeps running and
   * a later `get()` can still collect it.
   * @throws RangeError (synchronously) for a negative or non-numeric timeout.
   */
  get(timeoutMs?: number): Promise<T> {
    checkTimeout(timeoutMs, 'AsyncResult.get');
    if (this.#outcome !== undefined) return this.#settled(this.#outcome);
    return new Promise((resolve, reject) => {
      const onReady = () => {
        const outcome = this.#outcome as Outcome<T>;
        if (outcome.ok) resolve(outcome.value);
        else reject(outcome.error);
      };
      this.#whenReady(timeoutMs, onReady, () => reject(new TimeoutError(`result not ready within ${timeoutMs} ms (the task keeps running)`, timeoutMs as number)));
    });
  }

  #settled(outcome: Outcome<T>): Promise<T> {
    return outcome.ok ? Promise.resolve(outcome.value) : Promise.reject(outcome.error);
  }

  /** Calls `onReady` when settled, or `onTimeout` after `timeoutMs` (no timer without a finite timeout). */
  #whenReady(timeoutMs: number | undefined, onReady: () => void, onTimeout: () => void): void {
    if (timeoutMs === undefined || timeoutMs === Infinity) {
      this.#waiters.push(onReady);
      return;
    }
    const wake = () => {
      clearTimeout(timer);
      onReady();
    };
    const timer = setTimeout(() => {
      this.#waiters = this.#waiters.filter((w) => w !== wake);
      onTimeout();
    }, timeoutMs);
    this.#waiters.push(wake);
  }

  /** @internal Settles once; later calls are ignored. Returns false if it was already settled. */
  [SETTLE](outcome: Outcome<T>): boolean {
    if (this.#outcome !== undefined) return false;
    this.#outcome = outcome;
    const callbacks = this.#callbacks;
    this.#callbacks = undefined;
    try {
      if (outcome.ok) callbacks?.callback?.(outcome.value);
      else callbacks?.errorCallback?.(outcome.error);
    } catch (callbackError) {
      // A throwing callback is a bug in the caller's code: surface it, as an EventEmitter would.
      process.nextTick(() => {
        throw callbackError;
      });
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
    return true;
  }
}
