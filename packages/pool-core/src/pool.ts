/**
 * The Pool facade: Python's `multiprocessing.Pool` API. It validates arguments and hands work to
 * the private engine; backends (`ThreadPool`, `ProcessPool`) only choose the transport.
 */
import { AsyncResult, checkTimeout } from './async-result.js';
import { Engine, type PoolState } from './engine.js';
import { PoolStateError } from './errors.js';
import { ImapJob } from './imap-job.js';
import { checkIterable, checkOptionNames, checkPositiveInt, collect, defaultChunksize, type AnyIterable } from './inputs.js';
import { makeBatch, type Job } from './job.js';
import {
  APPLY_OPTIONS,
  CALL_OPTIONS,
  IMAP_OPTIONS,
  mapOptions,
  validatePoolOptions,
  type ApplyOptions,
  type BasePoolOptions,
  type CallOptions,
  type ImapOptions,
  type MapOptions,
  type POOL_OPTION_NAMES,
  type PoolOptions,
} from './pool-options.js';
import { ApplyJob, MapJob } from './result-jobs.js';
import { RELAY, RelayJob, type RelayedBatch, type RelayOutcome } from './relay.js';
import { addressOf, type AnyFn, type TaskLike } from './tasks.js';
import { refusePoolDuringTaskImport } from './task-import.js';
import type { Transport } from './transport.js';
import type { PoolStats } from './pool-stats.js';
import { waitForRoom, type RoomOptions } from './queue-room.js';

/** What a task resolves to (a task may be sync or async). */
export type TaskResult<F extends AnyFn> = Awaited<ReturnType<F>>;
/** The single argument of a task used with `map` / `imap`. */
export type TaskInput<F extends AnyFn> = Parameters<F>[0];
/** A task that takes at most one argument: what `map`, `imap` and `imapUnordered` can run. */
// biome-ignore lint: `any` lets TypeScript infer the task's own parameter type.
export type OneArgFn = (arg: any) => any;
/**
 * The arguments of `apply` / `applyAsync` after the task: the argument list is required when the
 * task has required parameters, optional otherwise.
 */
export type ArgsThenOptions<F extends AnyFn, O> = [] extends Parameters<F> ? [args?: Parameters<F>, options?: O] : [args: Parameters<F>, options?: O];

export { POOL_OPTION_NAMES } from './pool-options.js';
export type { PoolOptions, BasePoolOptions, InitializerOptions, CallOptions, ApplyOptions, MapOptions, ImapOptions } from './pool-options.js';

/**
 * A pool of workers that run named tasks (see `defineTasks`). Create one through a backend:
 * `new ThreadPool(options)` or `new ProcessPool(options)`.
 *
 * `await using pool = ...` closes and joins at the end of the block: work already submitted
 * finishes (unlike Python's `with Pool()`, which terminates).
 */
export class Pool<Init extends AnyFn = AnyFn> implements AsyncDisposable {
  /** The number of workers: with `minProcesses`, the most there may be (fewer run while idle). */
  readonly processes: number;
  /** Tasks one worker runs at once when they return promises (see {@link BasePoolOptions.concurrentTasksPerWorker}). */
  readonly concurrentTasksPerWorker: number;
  readonly #engine: Engine;

  /**
   * @param backendOptionNames the backend's own option names, accepted besides {@link POOL_OPTION_NAMES}.
   * @throws TypeError for an unknown option name (the message lists the valid ones).
   */
  constructor(transport: Transport, options: PoolOptions<Init> = {} as PoolOptions<Init>, backendOptionNames: readonly string[] = []) {
    const where = `new ${new.target.name}`;
    refusePoolDuringTaskImport(where); // a worker importing a task module must not start pools (TopLevelPoolError)
    const settings = validatePoolOptions(options, backendOptionNames, where);
    this.processes = settings.processes;
    this.concurrentTasksPerWorker = settings.concurrentTasksPerWorker;
    this.#engine = new Engine(transport, settings);
  }

  /** `run`, `close` or `terminate`. */
  get state(): PoolState {
    return this.#engine.state;
  }

  /**
   * What the pool has done and is doing, as a fresh plain object (see {@link PoolStats}, field by
   * field): worker, busy and idle counts; tasks queued, running, completed, failed, cancelled;
   * workers crashed; utilization; recent run and wait times. Works in any state, also after
   * terminate(). Costs O(workers + 1,024) per call.
   * @throws PoolStateError if the pool was created with `stats: false`.
   */
  stats(): PoolStats {
    const stats = this.#engine.stats();
    if (stats === null) throw new PoolStateError('stats(): this pool was created with `stats: false`, so it collects no stats');
    return stats;
  }

  #check(where: string): void {
    if (this.#engine.state !== 'run') {
      throw new PoolStateError(`${where}: the pool is ${this.#engine.state === 'close' ? 'closed' : 'terminated'} and takes no new work`);
    }
  }

  /** Runs `fn(...args)` in a worker and resolves with its result. */
  async apply<F extends AnyFn>(fn: TaskLike<F>, ...[args, options]: ArgsThenOptions<F, CallOptions>): Promise<TaskResult<F>> {
    if (options !== undefined) checkOptionNames(options, CALL_OPTIONS, 'apply');
    return this.#apply<F>('apply', fn, args, options).get();
  }

  /**
   * Submits `fn(...args)` and returns its {@link AsyncResult} at once.
   * @throws PoolStateError after close()/terminate(); TypeError if `fn` is not a task.
   */
  applyAsync<F extends AnyFn>(fn: TaskLike<F>, ...[args, options]: ArgsThenOptions<F, ApplyOptions<NoInfer<TaskResult<F>>>>): AsyncResult<TaskResult<F>> {
    if (options !== undefined) checkOptionNames(options, APPLY_OPTIONS, 'applyAsync');
    return this.#apply<F>('applyAsync', fn, args, options);
  }

  #apply<F extends AnyFn>(where: string, fn: TaskLike<F>, args: unknown, options: ApplyOptions<TaskResult<F>> = {}): AsyncResult<TaskResult<F>> {
    this.#check(where);
    const address = addressOf(fn, where);
    const list = args ?? [];
    if (!Array.isArray(list)) throw new TypeError(`${where}: args must be an array of arguments, got ${typeof list}`);
    const job = new ApplyJob<TaskResult<F>>(where, options);
    this.#watch(job, job.result, options.signal);
    const full = job.settled ? null : this.#engine.room?.refusal(1, where);
    if (full) job.fail(null, [], full);
    else if (!job.settled) this.#engine.submit(makeBatch(job, address, true, [list], 0, 0));
    return job.result;
  }

  /** `fn` applied to every item, in input order. Rejects with the first error (or the input's own error). */
  async map<F extends OneArgFn>(
    fn: TaskLike<F>,
    iterable: AnyIterable<TaskInput<F>>,
    chunksize?: number | MapOptions<NoInfer<TaskResult<F>>>,
  ): Promise<TaskResult<F>[]> {
    return this.#mapAsync<TaskResult<F>>(fn, iterable, false, mapOptions(chunksize, 'map'), 'map').get();
  }

  /** Like {@link map}, returning an {@link AsyncResult} at once. */
  mapAsync<F extends OneArgFn>(
    fn: TaskLike<F>,
    iterable: AnyIterable<TaskInput<F>>,
    options: MapOptions<NoInfer<TaskResult<F>>> = {},
  ): AsyncResult<TaskResult<F>[]> {
    return this.#mapAsync(fn, iterable, false, mapOptions(options, 'mapAsync'), 'mapAsync');
  }

  /** `fn(...args)` for every argument list, in input order. */
  async starmap<F extends AnyFn>(
    fn: TaskLike<F>,
    iterable: AnyIterable<Parameters<F>>,
    chunksize?: number | MapOptions<NoInfer<TaskResult<F>>>,
  ): Promise<TaskResult<F>[]> {
    return this.#mapAsync<TaskResult<F>>(fn, iterable, true, mapOptions(chunksize, 'starmap'), 'starmap').get();
  }

  /** Like {@link starmap}, returning an {@link AsyncResult} at once. */
  starmapAsync<F extends AnyFn>(
    fn: TaskLike<F>,
    iterable: AnyIterable<Parameters<F>>,
    options: MapOptions<NoInfer<TaskResult<F>>> = {},
  ): AsyncResult<TaskResult<F>[]> {
    return this.#mapAsync(fn, iterable, true, mapOptions(options, 'starmapAsync'), 'starmapAsync');
  }

  #mapAsync<R>(fn: TaskLike, iterable: AnyIterable<unknown>, spread: boolean, options: MapOptions<R>, where: string): AsyncResult<R[]> {
    this.#check(where);
    const address = addressOf(fn, where);
    checkIterable(iterable, where);
    const chunk = options.chunksize === undefined ? undefined : checkPositiveInt(options.chunksize, 'chunksize', where);
    const job = new MapJob<R>(where, options);
    this.#watch(job, job.result, options.signal);
    this.#engine.jobOpened(job); // a closed pool waits for the input to be read
    collect(iterable)
      .then((items) => {
        if (job.settled) return;
        if (spread) checkArgumentLists(items, where);
        const full = this.#engine.room?.refusal(items.length, where);
        if (full) throw full; // refused whole, before any of it is queued
        const size = chunk ?? defaultChunksize(items.length, this.processes * this.concurrentTasksPerWorker);
        job.expect(items.length, Math.ceil(items.length / size));
        for (let seq = 0, start = 0; start < items.length; seq++, start += size) {
          this.#engine.submit(makeBatch(job, address, spread, items.slice(start, start + size), seq, start));
        }
      })
      .catch((error: unknown) => job.fail(null, [], error))
      .finally(() => this.#engine.jobClosed(job));
    return job.result;
  }

  /** Results in input order, as an async iterator that reads the input lazily. */
  imap<F extends OneArgFn>(fn: TaskLike<F>, iterable: AnyIterable<TaskInput<F>>, chunksize?: number | ImapOptions): AsyncIterableIterator<TaskResult<F>> {
    return this.#imap(fn, iterable, chunksize, true, 'imap');
  }

  /** Results in completion order, as an async iterator that reads the input lazily. */
  imapUnordered<F extends OneArgFn>(
    fn: TaskLike<F>,
    iterable: AnyIterable<TaskInput<F>>,
    chunksize?: number | ImapOptions,
  ): AsyncIterableIterator<TaskResult<F>> {
    return this.#imap(fn, iterable, chunksize, false, 'imapUnordered');
  }

  #imap<R>(fn: TaskLike, input: AnyIterable<unknown>, chunksize: number | ImapOptions | undefined, ordered: boolean, where: string): ImapJob<R> {
    this.#check(where);
    const address = addressOf(fn, where);
    checkIterable(input, where);
    const options: ImapOptions = typeof chunksize === 'number' ? { chunksize } : (chunksize ?? {});
    if (typeof chunksize === 'object' && chunksize !== null) checkOptionNames(chunksize, IMAP_OPTIONS, where);
    const chunk = options.chunksize === undefined ? 1 : checkPositiveInt(options.chunksize, 'chunksize', where);
    const buffersize =
      options.buffersize === undefined
        ? Math.max(8, 4 * this.processes * this.concurrentTasksPerWorker)
        : checkPositiveInt(options.buffersize, 'buffersize', where);
    const job = new ImapJob<R>(this.#engine, { address, spread: false, input, chunksize: chunk, buffersize, ordered, label: where });
    job.onFinish = this.#engine.watchSignal(job, options.signal);
    return job.start();
  }

  /**
   * Resolves once `n` more tasks (default 1) fit in the queue under `maxQueue`: at once if they
   * fit now or the queue is unbounded. Lets a producer wait instead of polling or catching
   * QueueFullError: `await pool.room(); pool.applyAsync(...)`. A wake-up, not a reservation:
   * waiters are woken in the order they came, as many as the room takes, so a producer that
   * submits as soon as it wakes is not refused; others' calls in between may still take the room.
   * @throws RangeError (as a rejection) unless `n` is an integer from 1 to `maxQueue`.
   * @throws PoolStateError (as a rejection) after close()/terminate(), also while waiting.
   */
  room(n = 1, options: RoomOptions = {}): Promise<void> {
    return waitForRoom(this.#engine.room, n, options, () => this.#check('room'));
  }

  /** @internal See relay.ts: one batch from a remote caller, through this pool's engine. */
  [RELAY](relayed: RelayedBatch, signal?: AbortSignal): Promise<RelayOutcome> {
    this.#check('relay');
    const job = new RelayJob();
    const unwatch = this.#engine.watchSignal(job, signal);
    if (!job.settled) this.#engine.submit(job.batchOf(relayed));
    void job.outcome.then(unwatch);
    return job.outcome;
  }

  #watch<T>(job: Job, result: AsyncResult<T>, signal: AbortSignal | undefined): void {
    const unwatch = this.#engine.watchSignal(job, signal);
    if (signal && !job.settled) void result.wait().then(unwatch);
  }

  /** No new work; workers exit once the work already submitted is done. */
  close(): void {
    this.#engine.close();
  }

  /** Stops every worker now; pending results reject with PoolStateError. Resolves when all have exited. */
  terminate(): Promise<void> {
    return this.#engine.terminate();
  }

  /**
   * Resolves when every worker has exited (after close(): once the submitted work is done).
   * @throws PoolStateError (as a rejection) before close()/terminate(); TimeoutError after `timeoutMs`.
   */
  join(timeoutMs?: number): Promise<void> {
    checkTimeout(timeoutMs, 'join');
    return this.#engine.join(timeoutMs);
  }

  /**
   * `await using`: close, then join (work already submitted finishes). An `imap` / `imapUnordered`
   * still reading its input stops reading it: the chunks it already submitted complete and can
   * still be read, then its reader gets PoolStateError (never a silent end), so an iterator left
   * unfinished in the block cannot keep the pool, or the process, waiting.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    this.#engine.stopInputs(
      new PoolStateError('the pool was disposed (`await using`) before this imap/imapUnordered iterator read all its input; the results before that point were delivered'),
    );
    await this.join();
  }
}

function checkArgumentLists(items: unknown[], where: string): void {
  const bad = items.findIndex((item) => !Array.isArray(item));
  if (bad >= 0) throw new TypeError(`${where}: input item ${bad} is not an argument list (array)`);
}
