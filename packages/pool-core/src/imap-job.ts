/**
 * `imap` and `imapUnordered`: an async iterator that pulls its input lazily, keeps at most
 * `buffersize` chunks submitted but not yet yielded, and stops pulling when the consumer leaves.
 */
import type { Batch, Job } from './job.js';
import { makeBatch } from './job.js';
import type { TaskAddress } from './protocol.js';
import type { AnyIterable } from './inputs.js';
import { isAsyncIterable } from './inputs.js';

/** What an imap job needs from the engine. */
export interface JobHost {
  submit(batch: Batch): void;
  /**
   * The job needs no more results: its queued batches are dropped (lazily, once it is settled);
   * with `stopRunning`, the workers holding its batches are replaced (jobs with an AbortSignal).
   */
  cancel(job: Job, stopRunning: boolean): void;
  /** The job may still submit batches until `jobClosed` (close() waits for it). */
  jobOpened(job: Job): void;
  jobClosed(job: Job): void;
}

/** What an imap job iterates: the task, the input and the chunking. */
export interface ImapSpec {
  address: TaskAddress;
  /** Items are argument lists (starmap-style). */
  spread: boolean;
  input: AnyIterable<unknown>;
  chunksize: number;
  /** At most this many chunks submitted and not yet fully yielded. */
  buffersize: number;
  /** `imap` (true) or `imapUnordered` (false). */
  ordered: boolean;
  /** The call, for messages. */
  label: string;
}

interface Completed {
  values: unknown[];
  taken: number;
  failed: boolean;
  error: unknown;
}

type Waiter = { resolve: (r: IteratorResult<unknown>) => void; reject: (e: unknown) => void };

/** The iterator returned by `imap` / `imapUnordered` (see the file comment). */
export class ImapJob<T> implements Job, AsyncIterableIterator<T> {
  #completed = new Map<number, Completed>();
  #waiters: Waiter[] = [];
  #input: Iterator<unknown> | AsyncIterator<unknown>;
  #submitted = 0;
  #consumed = 0;
  #nextSeq = 0;
  #nextItem = 0;
  #pumping = false;
  #inputDone = false;
  #inputError: { error: unknown } | null = null;
  #fatal: { error: unknown } | null = null;
  #finished = false;
  #waking = false;

  /** Called once when the iteration ends, however it ends. */
  onFinish: () => void = () => undefined;
  private readonly host: JobHost;
  private readonly address: TaskAddress;
  private readonly spread: boolean;
  private readonly chunksize: number;
  private readonly buffersize: number;
  private readonly ordered: boolean;
  readonly label: string;

  constructor(host: JobHost, spec: ImapSpec) {
    this.host = host;
    ({ address: this.address, spread: this.spread, chunksize: this.chunksize, buffersize: this.buffersize, ordered: this.ordered, label: this.label } = spec);
    this.#input = isAsyncIterable(spec.input) ? spec.input[Symbol.asyncIterator]() : spec.input[Symbol.iterator]();
    host.jobOpened(this);
  }

  /** Starts reading input (separate from the constructor so `onFinish` can be set first). */
  start(): this {
    void this.#pump();
    return this;
  }

  /** Finished, or failed as a whole (aborted, terminated): the engine drops and re-runs none of its work. */
  get settled(): boolean {
    return this.#finished || this.#fatal !== null;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.#waiters.push({ resolve: resolve as Waiter['resolve'], reject });
      this.#wake();
    });
  }

  /** Leaving a `for await` loop: stop pulling input and drop outstanding results. */
  async return(): Promise<IteratorResult<T>> {
    this.#finish(false);
    return { done: true, value: undefined };
  }

  /**
   * Stops reading input (the pool is being disposed). Chunks already submitted still run and are
   * yielded; then the reader gets `error` where the input was cut, never a silent `done`.
   */
  stopInput(error: Error): void {
    if (this.#inputDone || this.#finished) return;
    this.#inputDone = true;
    this.#inputError = { error };
    this.#closeInput();
    this.host.jobClosed(this);
    this.#wake();
  }

  deliver(batch: Batch, values: unknown[]): void {
    this.#store(batch, { values, taken: 0, failed: false, error: undefined });
  }

  fail(batch: Batch | null, values: unknown[], error: unknown): void {
    if (batch === null) {
      // The whole job failed (aborted, terminated): the next read throws at once, and no more
      // input is read, whether or not a reader is waiting now.
      this.#fatal ??= { error };
      if (!this.#inputDone) {
        this.#inputDone = true;
        this.#closeInput();
      }
      this.host.jobClosed(this);
      this.#wake();
      return;
    }
    this.#store(batch, { values, taken: 0, failed: true, error });
  }

  #store(batch: Batch, entry: Completed): void {
    if (this.#finished) return;
    this.#completed.set(batch.seq, entry);
    this.#wake();
  }

  /** Serves waiting readers while results are available. */
  #wake(): void {
    if (this.#waking) return; // #take() may pump input, which wakes again: one loop serves all
    this.#waking = true;
    try {
      while (this.#waiters.length > 0) {
        const step = this.#take();
        if (step === null) return;
        const waiter = this.#waiters.shift()!;
        if ('error' in step) waiter.reject(step.error);
        else waiter.resolve(step);
      }
    } finally {
      this.#waking = false;
    }
  }

  /** The next thing a reader gets, or null if it has to wait. */
  #take(): IteratorResult<unknown> | { error: unknown } | null {
    if (this.#finished) return { done: true, value: undefined };
    if (this.#fatal) return this.#end(this.#fatal);
    for (;;) {
      const seq = this.ordered ? this.#nextSeq : this.#completed.keys().next().value;
      const entry = seq === undefined ? undefined : this.#completed.get(seq);
      if (entry === undefined) break;
      if (entry.taken < entry.values.length) {
        const value = entry.values[entry.taken];
        entry.values[entry.taken++] = undefined; // yielded values are not kept
        return { done: false, value };
      }
      if (entry.failed) return this.#end({ error: entry.error });
      this.#completed.delete(seq as number);
      this.#nextSeq++;
      this.#consumed++;
      void this.#pump();
    }
    if (this.#inputDone && !this.#pumping && this.#consumed === this.#submitted) {
      return this.#end(this.#inputError);
    }
    return null;
  }

  #end(failure: { error: unknown } | null): IteratorResult<unknown> | { error: unknown } {
    this.#finish(failure !== null && failure === this.#fatal);
    return failure ? { error: failure.error } : { done: true, value: undefined };
  }

  /** Ends the iteration: no more input is read and results still to come are dropped. */
  #finish(stopRunning: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#completed.clear();
    if (!this.#inputDone) {
      this.#inputDone = true;
      this.#closeInput();
    }
    this.host.cancel(this, stopRunning);
    this.host.jobClosed(this);
    this.onFinish();
    this.#wake(); // readers still waiting get `done` (from #take, once finished)
  }

  #closeInput(): void {
    try {
      void Promise.resolve(this.#input.return?.()).catch(() => undefined);
    } catch {
      // A generator that is running cannot be closed; it is simply not read any more.
    }
  }

  /** Reads input and submits chunks while fewer than `buffersize` chunks are outstanding. */
  async #pump(): Promise<void> {
    if (this.#pumping || this.#inputDone || this.#finished) return;
    this.#pumping = true;
    try {
      while (!this.#inputDone && !this.settled && this.#submitted - this.#consumed < this.buffersize) {
        const items: unknown[] = [];
        try {
          while (items.length < this.chunksize) {
            const next = this.#input.next();
            // Sync input is read without a microtask hop per item.
            const step = next instanceof Promise ? await next : (next as IteratorResult<unknown>);
            if (this.#finished) return;
            if (step.done) {
              this.#inputDone = true;
              break;
            }
            items.push(step.value);
            if (this.#inputDone) break; // stopInput() while we awaited: submit what was read, read no more
          }
        } catch (error) {
          this.#inputDone = true;
          this.#inputError = { error };
        }
        if (items.length > 0) {
          this.host.submit(makeBatch(this, this.address, this.spread, items, this.#submitted++, this.#nextItem));
          this.#nextItem += items.length;
        }
      }
    } finally {
      this.#pumping = false;
      if (this.#inputDone) this.host.jobClosed(this);
      this.#wake();
    }
  }
}
