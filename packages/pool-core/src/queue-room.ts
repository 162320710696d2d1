/**
 * The bounded queue (`maxQueue`) and waiting for room in it (`pool.room()`).
 *
 * What counts: the tasks (items) of `apply` / `applyAsync` / `map*` / `starmap*` calls that were
 * submitted and not yet sent to a worker. A map of N items counts N whatever its chunksize: memory
 * and waiting time grow with items, not messages. A task counts until it is sent, or until its
 * call settles while it waits (failed, aborted): an aborted call frees its room at once, although
 * its batches leave the engine's queue lazily (see dispatch.ts).
 *
 * What does not count: `imap` / `imapUnordered` chunks (their `buffersize` bounds them already,
 * and a stream must not fail half way because other calls filled the queue) and batches relayed
 * from a remote caller (a fleet's slots bound them). They are never refused.
 *
 * `room(n)` is a wake-up, not a reservation: waiters are woken in the order they came, only as
 * many as the free room can take; one that was woken and did not submit leaves its room to the
 * next ones on the next turn of the event loop.
 */
import { AbortError, PoolStateError, QueueFullError } from './errors.js';
import { Deque } from './deque.js';
import type { Batch, Job } from './job.js';
import { checkOptionNames, checkPositiveInt } from './inputs.js';
import { ApplyJob, MapJob } from './result-jobs.js';

/** Options of `pool.room()`. */
export interface RoomOptions {
  /** Stop waiting: `room()` rejects with AbortError (`cause`: the signal's reason). */
  signal?: AbortSignal;
}

/**
 * `pool.room(n, options)`: validates, then waits in `room` (null: unbounded, room at once).
 * `checkOpen` throws PoolStateError for a closed pool. Every error is a rejection.
 */
export function waitForRoom(room: QueueRoom | null, n: number, options: RoomOptions, checkOpen: () => void): Promise<void> {
  try {
    checkOptionNames(options, ['signal'], 'room');
    checkPositiveInt(n, 'n', 'room');
    checkOpen();
    if (room !== null && n > room.max) throw new RangeError(`room: n (${n}) is more than maxQueue (${room.max}): it would never fit`);
  } catch (error) {
    return Promise.reject(error);
  }
  return room === null ? Promise.resolve() : room.wait(n, options.signal);
}

/**
 * Validates `maxQueue`: an integer >= 1, or Infinity (unbounded, the default); returns null for unbounded.
 * @throws RangeError naming `where` and the value.
 */
export function checkMaxQueue(value: unknown, where: string): number | null {
  if (value === undefined || value === Infinity) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    // 0 is refused: a task waits in the queue whenever no worker is ready for it, if only while workers start.
    throw new RangeError(`${where}: maxQueue must be an integer >= 1 (tasks waiting for a worker), or Infinity for unbounded, got ${String(value)}`);
  }
  return value;
}

interface Waiter {
  n: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  unwatch: () => void;
}

/** The count of queued tasks against `maxQueue`, and the producers waiting for room. */
export class QueueRoom {
  /** Tasks of counted calls waiting in the queue. */
  #queued = 0;
  /** Each counted call's tasks still waiting; a call that settled is dropped at once (`forget`). */
  readonly #byJob = new Map<Job, number>();
  readonly #waiters = new Deque<Waiter>();
  #recheck: NodeJS.Immediate | null = null;
  #closed: Error | null = null;

  constructor(readonly max: number) {}

  /** Tasks counted now. */
  get queued(): number {
    return this.#queued;
  }

  /** The QueueFullError for a call of `n` tasks that does not fit now, or null if it fits. */
  refusal(n: number, where: string): QueueFullError | null {
    if (this.#queued + n <= this.max) return null;
    const what = n === 1 ? 'this task' : `these ${n} tasks`;
    const hint = n > this.max ? 'it can never fit: raise maxQueue or use imap, which is not limited by it' : 'await pool.room() before submitting';
    return new QueueFullError(`${where}: the pool's queue is full: ${what} would exceed maxQueue ${this.max} (${this.#queued} waiting for a worker); ${hint}`, {
      maxQueue: this.max,
      queued: this.#queued,
      requested: n,
    });
  }

  /** A batch entered the queue. */
  added(batch: Batch): void {
    if (!(batch.job instanceof ApplyJob || batch.job instanceof MapJob) || batch.job.settled) return;
    const n = batch.items.length;
    this.#byJob.set(batch.job, (this.#byJob.get(batch.job) ?? 0) + n);
    this.#queued += n;
  }

  /** A batch left the queue (sent, or dropped because its call settled). */
  removed(batch: Batch): void {
    const left = this.#byJob.get(batch.job);
    if (left === undefined) return; // not counted, or forgotten when its call settled
    const n = batch.items.length;
    if (left <= n) this.#byJob.delete(batch.job);
    else this.#byJob.set(batch.job, left - n);
    this.#freed(n);
  }

  /** `job` settled: its tasks still in the queue no longer count. */
  forget(job: Job): void {
    const left = this.#byJob.get(job);
    if (left === undefined) return;
    this.#byJob.delete(job);
    this.#freed(left);
  }

  /** The queue was emptied at once (terminate, a broken pool). */
  cleared(): void {
    this.#byJob.clear();
    this.#freed(this.#queued);
  }

  /**
   * Resolves when `n` more tasks fit (at once if they fit now); rejects with PoolStateError once
   * the pool closes, with AbortError if `signal` fires.
   */
  wait(n: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#waiters.length === 0 && this.#queued + n <= this.max) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { n, resolve, reject, unwatch: () => undefined };
      if (signal) {
        const onAbort = () => {
          this.#remove(waiter);
          reject(abortError(signal));
          this.#wake(); // a waiter behind it may fit now
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.unwatch = () => signal.removeEventListener('abort', onAbort);
      }
      this.#waiters.push(waiter);
    });
  }

  /** The pool takes no more work: every waiter rejects with `error`, later waits too. */
  close(error: PoolStateError): void {
    this.#closed ??= error;
    for (const waiter of this.#waiters.drain()) {
      waiter.unwatch();
      waiter.reject(error);
    }
  }

  #freed(n: number): void {
    this.#queued -= n;
    if (this.#waiters.length > 0) this.#wake();
  }

  /** Wakes waiters in order while the free room takes them (see the file comment). */
  #wake(): void {
    let free = this.max - this.#queued;
    let woke = false;
    while (this.#waiters.length > 0 && this.#waiters.peek()!.n <= free) {
      const waiter = this.#waiters.shift()!;
      free -= waiter.n;
      waiter.unwatch();
      waiter.resolve();
      woke = true;
    }
    // The woken producers submit in their continuations; whatever they leave free goes to the
    // next waiters after this turn, so a producer that was woken and did not submit strands nobody.
    if (woke && this.#waiters.length > 0 && this.#recheck === null) {
      this.#recheck = setImmediate(() => {
        this.#recheck = null;
        this.#wake();
      });
    }
  }

  /** O(waiters), only when a waiter's signal fires. */
  #remove(waiter: Waiter): void {
    const rest = this.#waiters.drain().filter((w) => w !== waiter);
    for (const w of rest) this.#waiters.push(w);
  }
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError('room(): the signal fired while waiting for room in the queue', { cause: signal.reason });
}
