/**
 * AbortSignals of calls. One 'abort' listener per signal however many calls share it: a server
 * that passes one signal to 40,000 calls must not pay O(n) per removal (EventTarget keeps
 * listeners in a list) nor trip Node's listener-leak warning.
 */
import type { Job } from './job.js';

interface Watched {
  jobs: Set<Job>;
  listener: () => void;
}

export class AbortWatch {
  readonly #watched = new WeakMap<AbortSignal, Watched>();
  readonly #abortable = new WeakSet<Job>();

  /** @param onAbort called once per aborted signal with the jobs still watching it. */
  constructor(private readonly onAbort: (jobs: Job[], reason: unknown) => void) {}

  /** True for a job that was given a signal: the engine never lets it share a worker with other jobs. */
  isAbortable(job: Job): boolean {
    return this.#abortable.has(job);
  }

  /** Wires `signal` to `job`; returns the function that unwires it (call it once the job is over). */
  watch(job: Job, signal: AbortSignal | undefined): () => void {
    if (!signal) return () => undefined;
    this.#abortable.add(job);
    if (signal.aborted) {
      this.onAbort([job], signal.reason);
      return () => undefined;
    }
    let watched = this.#watched.get(signal);
    if (!watched) {
      const jobs = new Set<Job>();
      const listener = () => {
        this.#watched.delete(signal);
        this.onAbort([...jobs], signal.reason);
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
