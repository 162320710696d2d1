/**
 * The numbers behind the progress display, as a pure unit (an injectable clock, no I/O), so
 * tests can assert them. progress.ts draws them.
 *
 * - Done is counted against found, for files and for bytes alike (found grows while walking).
 * - One percentage: of bytes when file sizes are known (digest runs with progress shown look
 *   every size up), else of files (--check hashes the listed files without looking sizes up).
 * - The rate is measured over the last {@link RATE_WINDOW_MS}, not since the start: the walk's
 *   first seconds, or a slow start, must not drag it down for the rest of the run.
 */
import type { RunProgress } from './digest.js';

/** How far back the rate looks. */
export const RATE_WINDOW_MS = 5000;
/** Updates closer together than this share one sample (results can come thousands a second). */
const SAMPLE_MS = 100;

/** What the display shows at one moment. */
export interface ProgressSnapshot extends RunProgress {
  /** What the percentage, rate and ETA count. */
  unit: 'bytes' | 'files';
  /** done / found in `unit`, 0..1 (1 when nothing was found and the walk is over). */
  fraction: number;
  /** `unit` per second over the recent window; null until there are two moments to compare. */
  rate: number | null;
  /** Seconds left at `rate`; null while walking (the total is not known yet) or without a rate. */
  etaSeconds: number | null;
  elapsedSeconds: number;
}

interface Sample {
  t: number;
  bytes: number;
  files: number;
}

export interface ProgressStateOptions {
  /** Milliseconds; default performance.now. */
  now?: () => number;
  /** Whether the run knows file sizes (then the percentage is of bytes). Default true. */
  sizesKnown?: boolean;
  windowMs?: number;
}

/** Running totals in, {@link ProgressSnapshot}s out. Memory: one sample per SAMPLE_MS of the window. */
export class ProgressState {
  readonly #now: () => number;
  readonly #sizesKnown: boolean;
  readonly #windowMs: number;
  readonly #started: number;
  /** Kept samples, at least SAMPLE_MS apart, oldest first; `#samples[#head]` is the rate's baseline. */
  #samples: Sample[] = [];
  #head = 0;
  /** The latest totals (not necessarily kept as a sample). */
  #current: Sample;
  #last: RunProgress = { filesFound: 0, bytesFound: 0, filesDone: 0, bytesDone: 0, walking: true };

  constructor(options: ProgressStateOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#sizesKnown = options.sizesKnown ?? true;
    this.#windowMs = options.windowMs ?? RATE_WINDOW_MS;
    this.#started = this.#now();
    this.#current = { t: this.#started, bytes: 0, files: 0 };
    this.#samples.push(this.#current);
  }

  /** Records the run's totals now and returns what to show. */
  update(counts: RunProgress): ProgressSnapshot {
    this.#last = { ...counts };
    const t = this.#now();
    this.#current = { t, bytes: counts.bytesDone, files: counts.filesDone };
    if (t - this.#samples[this.#samples.length - 1]!.t >= SAMPLE_MS) this.#samples.push(this.#current);
    this.#prune(t);
    return this.snapshot();
  }

  /** What to show for the totals last recorded. */
  snapshot(): ProgressSnapshot {
    const c = this.#last;
    const t = this.#now();
    const unit = this.#sizesKnown && c.bytesFound > 0 ? 'bytes' : 'files';
    const done = unit === 'bytes' ? c.bytesDone : c.filesDone;
    const found = unit === 'bytes' ? c.bytesFound : c.filesFound;
    const fraction = found > 0 ? Math.min(done / found, 1) : c.walking ? 0 : 1;
    const rate = this.#rate(unit);
    const etaSeconds = c.walking || rate === null || rate <= 0 ? null : Math.max(found - done, 0) / rate;
    return { ...c, unit, fraction, rate, etaSeconds, elapsedSeconds: (t - this.#started) / 1000 };
  }

  #rate(unit: 'bytes' | 'files'): number | null {
    const base = this.#samples[this.#head]!;
    const newest = this.#current;
    const seconds = (newest.t - base.t) / 1000;
    if (seconds <= 0) return null;
    return (unit === 'bytes' ? newest.bytes - base.bytes : newest.files - base.files) / seconds;
  }

  /** The baseline: the last sample at or before the window's start; older ones are dropped now and then. */
  #prune(t: number): void {
    const from = t - this.#windowMs;
    while (this.#head + 1 < this.#samples.length && this.#samples[this.#head + 1]!.t <= from) this.#head++;
    if (this.#head > 64 && this.#head * 2 > this.#samples.length) {
      this.#samples = this.#samples.slice(this.#head);
      this.#head = 0;
    }
  }
}
