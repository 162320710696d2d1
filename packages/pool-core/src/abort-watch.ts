/**
 * AbortSignals of calls. One 'abort' listener per signal however many calls share it: a server
 * that passes one signal to 40,000 calls must not pay O(n) per removal (EventTarget keeps
 * listeners in a list) nor trip Node's listener-leak warning.
 */
import { AbortError } from './errors.js';
import type { Job } from './job.js';

interface Watched {
  jobs: Set<Job>;
  listener: () => void;
}

export class AbortWatch {
  readonly #watched = new WeakMap<AbortSignal, Watched>();
  readonly #abortable = new WeakSet<Job>();
  /**
   * One AbortError per aborted signal, shared by every call it aborts (also calls made with it
   * after it fired): its stack shows where abort() was called, and 40,000 calls sharing a signal
   * do not build 40,000 stack traces.
   */
  readonly #errors = new WeakMap<AbortSignal, AbortError>();

  /** @param onAbort called once per aborted signal with the jobs still watching it. */
  constructor(private readonly onAbort: (jobs: Job[], error: AbortError) => void) {}

  #errorOf(signal: AbortSignal): AbortError {
    let error = this.#errors.get(signal);
    if (!error) this.#errors.set(signal, (error = new AbortError('the operation was aborted', { cause: signal.reason })));
    return error;
  }

  /** True for a job that was given a signal: the engine never lets it share a worker with other jobs. */
  isAbortable(job: Job): boolean {
    return this.#abortable.has(job);
  }

  /** Wires `signal` to `job`; returns the function that unwires it (call it once the job is over). */
  watch(job: Job, signal: AbortSignal | undefined): () => void {
    if (!signal) return () => undefined;
    this.#abortable.add(job);
    if (signal.aborted) {
      this.onAbort([job], this.#errorOf(signal));
      return () => undefined;
    }
    let watched = this.#watched.get(signal);
    if (!watched) {
      const jobs = new Set<Job>();
      const listener = () => {
        this.#watched.delete(signal);
        this.onAbort([...jobs], this.#errorOf(signal));
      };
      watched = { jobs, listener };
      this.#watched.set(signal, watched);
      signal.addEventListener('abort', listener, { once: true });
    }
    const entry = watched;
    entry.jobs.add(job);
    return () => {
      if (!entry.jobs.delete(job) || entry.jobs.size > 0) return;
      if (this.#watched.get(signal) === entry) this.#watched.delete(signal);
      signal.removeEventListener('abort', entry.listener);
    };
  }
}
