/**
 * The options of a pool and of its calls: their types, with the doc comments users read, and the
 * checks that turn a pool's options into the engine's settings. Apart from pool.ts so that the
 * facade's file holds the calls themselves; pool.ts re-exports every public name here, so imports
 * of them from './pool.js' keep working.
 */
import type { ResultCallbacks } from './async-result.js';
import { cpuCount } from './cpu.js';
import { sizeOptions } from './elastic-size.js';
import type { EngineOptions } from './engine.js';
import { EncodingError, isCloneable } from './errors.js';
import { checkOptionNames, checkPositiveInt } from './inputs.js';
import type { Pool } from './pool.js';
import { checkMaxQueue } from './queue-room.js';
import { addressOf, type AnyFn, type TaskLike } from './tasks.js';

/**
 * Options every pool accepts. `Init` is the initializer's type (inferred), so `initargs` is
 * checked against its parameters. An unknown option name throws a TypeError listing the valid ones.
 */
export type PoolOptions<Init extends AnyFn = AnyFn> = BasePoolOptions & InitializerOptions<Init>;

/** The pool options that do not depend on the initializer. */
export interface BasePoolOptions {
  /**
   * Number of workers; with `minProcesses`, the most. Default {@link cpuCount}().
   * @throws RangeError if not an integer >= 1.
   */
  processes?: number;
  /** Replace a worker after it ran this many chunks (Python counts a chunk as one task). Default: never. */
  maxTasksPerChild?: number;
  /**
   * Collect what {@link Pool.stats} reports; default `true`. `false` saves its small cost per task
   * (a few counters and one clock read per batch: see the bench) and makes `stats()` throw.
   * @throws TypeError if not a boolean.
   */
  stats?: boolean;
  /**
   * Workers kept even when idle; default `processes` (a fixed-size pool). With fewer, the pool
   * starts `minProcesses` workers, starts more (up to `processes`) when work queues that no worker
   * can take (one per waiting batch, not all at once), and lets those above `minProcesses` leave
   * after `idleTimeoutMs` idle. `0` starts no worker before the first call; a pool that shrank to
   * none grows again on the next call and never keeps the process alive. Each new worker runs the
   * `initializer`. @throws RangeError unless an integer from 0 to `processes`.
   */
  minProcesses?: number;
  /**
   * How long a worker above `minProcesses` may stay idle before it leaves, in ms (an integer from 1
   * to 2^31 - 1). Default Infinity: workers started for load stay. Its leaving is not a crash and
   * loses nothing: an idle worker holds no task, and none is sent to a worker asked to leave.
   */
  idleTimeoutMs?: number;
  /**
   * The most tasks that may wait for a worker; default Infinity (unbounded). A call that would
   * queue more (`apply`: 1 task; `map` / `starmap` of N items: N, whatever the chunksize) is
   * refused whole with QueueFullError (its promise or AsyncResult rejects; nothing of it runs).
   * `await pool.room()` waits for room. `imap` / `imapUnordered` are bounded by their own
   * `buffersize` instead: they neither count nor are refused. @throws RangeError unless an integer >= 1.
   */
  maxQueue?: number;
  /**
   * How many tasks one worker runs at once when they return promises (I/O-bound tasks awaiting
   * the network, a database, timers); default 1. Synchronous tasks still run one after another:
   * they hold the worker's thread until they return. A "task" here is one batch: an `apply` call,
   * or one chunk of a `map` / `imap` (whose items run one after another, in order). So the default
   * `chunksize` of `map` and `buffersize` of `imap` count `processes × concurrentTasksPerWorker`
   * slots. A worker takes a second batch while the first waits only once it has seen that task
   * return a promise; a batch of a synchronous or not yet seen task is never queued behind
   * another, so it is never stranded while another worker idles. `maxTasksPerChild` counts every
   * batch, concurrent or not. Like piscina's `concurrentTasksPerWorker`; Python's Pool has none.
   * @throws RangeError if not an integer >= 1.
   */
  concurrentTasksPerWorker?: number;
}

/**
 * `initializer`: a task run once in each new worker before it takes work; if it throws, the pool
 * fails fast with InitializerError. `initargs`: its arguments (structured-cloneable), required
 * when it has required parameters.
 */
export type InitializerOptions<Init extends AnyFn> = [] extends Parameters<Init>
  ? { initializer?: TaskLike<Init>; initargs?: Parameters<Init> }
  : { initializer: TaskLike<Init>; initargs: Parameters<Init> } | { initializer?: undefined; initargs?: undefined };

/** The option names of {@link PoolOptions}; backends add their own (see the Pool constructor). */
export const POOL_OPTION_NAMES: readonly string[] = ['processes', 'initializer', 'initargs', 'maxTasksPerChild', 'stats', 'minProcesses', 'idleTimeoutMs', 'maxQueue', 'concurrentTasksPerWorker'];

/** Cancellation for any call. */
export interface CallOptions {
  /**
   * Aborting drops queued work, replaces a worker running it, and rejects with AbortError. The
   * work of a call with a signal never shares a worker with other calls' work, so replacing that
   * worker cannot touch anything else (the price: it is not packed with other calls).
   */
  signal?: AbortSignal;
}
/** Options of `applyAsync`: callbacks and an AbortSignal. */
export interface ApplyOptions<R> extends ResultCallbacks<R>, CallOptions {}
/** Options of `map*` / `starmap*`: chunksize, callbacks (the `*Async` forms) and an AbortSignal. */
export interface MapOptions<R = unknown> extends ResultCallbacks<R[]>, CallOptions {
  /** Items per message; default `ceil(length / (4 * processes * concurrentTasksPerWorker))` (Python's, with its default 1). */
  chunksize?: number;
}
/** Options of `imap` / `imapUnordered`: chunksize, read-ahead bound and an AbortSignal. */
export interface ImapOptions extends CallOptions {
  /** Items per message; default 1 (as Python's imap; messages still carry several chunks when work queues up). */
  chunksize?: number;
  /** Chunks submitted but not yet yielded, at most; bounds memory and input read-ahead. Default `max(8, 4 * processes * concurrentTasksPerWorker)`. */
  buffersize?: number;
}

/** The option names of each kind of call, for the unknown-name check (TypeError listing them). */
export const CALL_OPTIONS: readonly string[] = ['signal'];
export const APPLY_OPTIONS: readonly string[] = ['callback', 'errorCallback', 'signal'];
export const MAP_OPTIONS: readonly string[] = ['chunksize', 'callback', 'errorCallback', 'signal'];
export const IMAP_OPTIONS: readonly string[] = ['chunksize', 'buffersize', 'signal'];

/** `map(fn, items, 4)` and `map(fn, items, { chunksize: 4, ... })` are the same call. */
export function mapOptions<R>(chunksize: number | MapOptions<R> | undefined, where: string): MapOptions<R> {
  if (typeof chunksize === 'number') return { chunksize };
  if (chunksize == null) return {};
  checkOptionNames(chunksize, MAP_OPTIONS, where);
  return chunksize;
}

/**
 * Checks a pool's options (the Pool constructor's) and returns the engine's settings, defaults
 * filled in. `backendOptionNames`: the backend's own option names, accepted besides
 * {@link POOL_OPTION_NAMES} (the backend checks their values itself).
 * @throws TypeError for an unknown option name (the message lists the valid ones) or a wrong type;
 *   RangeError for a number out of range; EncodingError for `initargs` that cannot be sent. Each
 *   message starts with `where` (e.g. `new ThreadPool`).
 */
export function validatePoolOptions<Init extends AnyFn>(options: PoolOptions<Init>, backendOptionNames: readonly string[], where: string): EngineOptions {
  checkOptionNames(options, [...POOL_OPTION_NAMES, ...backendOptionNames], where);
  const processes = options.processes === undefined ? cpuCount() : checkPositiveInt(options.processes, 'processes', where);
  const maxTasksPerChild =
    options.maxTasksPerChild == null ? null : checkPositiveInt(options.maxTasksPerChild, 'maxTasksPerChild', where);
  const stats = options.stats ?? true;
  if (typeof stats !== 'boolean') throw new TypeError(`${where}: stats must be true or false, got ${typeof stats === 'string' ? JSON.stringify(stats) : String(stats)}`);
  const concurrentTasksPerWorker =
    options.concurrentTasksPerWorker === undefined ? 1 : checkPositiveInt(options.concurrentTasksPerWorker, 'concurrentTasksPerWorker', where);
  const initargs: unknown[] = options.initargs ?? [];
  if (!Array.isArray(initargs)) throw new TypeError(`${where}: initargs must be an array`);
  if (!isCloneable(initargs)) throw new EncodingError(`${where}: initargs cannot be sent to workers (they must be structured-cloneable)`);
  const initializer = options.initializer == null ? null : addressOf(options.initializer, `${where}: initializer`);
  const { minProcesses, idleTimeoutMs } = sizeOptions(options, processes, where);
  const maxQueue = checkMaxQueue(options.maxQueue, where);
  return { processes, initializer, initargs, maxTasksPerChild, stats, minProcesses, idleTimeoutMs, maxQueue, concurrentTasksPerWorker };
}
