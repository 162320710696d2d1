/**
 * The progress display on stderr (cli-progress draws it): files and bytes done of found, one
 * percentage, the recent rate and the ETA. Shown when stderr is a terminal, or when forced with
 * --progress; never on a pipe unless forced, so logs stay clean. The numbers come from
 * {@link ProgressState} (progress-state.ts), which tests drive with their own clock.
 *
 * Most files are hashed by the worker that lists their directory, so the totals are only known
 * once the walk is over: until then the line shows counts and rate (`walking`); then a bar, the
 * percentage and the ETA of what is left (big files, which are scheduled last by design).
 */
import cliProgress, { type Options, type Params, type SingleBar } from 'cli-progress';
import type { RunProgress } from './digest.js';
import { ProgressState, type ProgressSnapshot } from './progress-state.js';

/** What the run needs from a progress display. */
export interface Progress {
  update(counts: RunProgress): void;
  /** Prints a message (a byte string, raw names) above the bar, which redraws below it. */
  log(text: string): void;
  stop(): void;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1.5 GiB` style. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

/** `1:05:03`, `4:09`, `0:07`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

/**
 * One progress line (without the bar, which `bar` draws for a fraction). Bytes appear only when
 * the run knows sizes; the rate and ETA are in the percentage's unit.
 */
export function progressLine(s: ProgressSnapshot, bar: (fraction: number) => string): string {
  const parts = [`${s.filesDone}/${s.filesFound} files`];
  if (s.unit === 'bytes') parts.push(`${formatBytes(s.bytesDone)}/${formatBytes(s.bytesFound)}`);
  const rate = s.rate === null ? '-' : s.unit === 'bytes' ? formatBytes(s.rate) : `${Math.round(s.rate)} files`;
  parts.push(`${rate}/s`);
  if (s.walking) return `${parts.join(' | ')} | walking...`;
  const percent = Math.floor(s.fraction * 100);
  const eta = s.etaSeconds === null ? '-' : formatDuration(s.etaSeconds);
  return `${bar(s.fraction)} ${percent}% | ${parts.join(' | ')} | ETA ${eta}`;
}

// cli-progress is CommonJS without names Node's ESM loader can detect: take them off the default.
const { Format, MultiBar } = cliProgress;

/** cli-progress's value/total: the fraction in thousandths (its own ETA and rate are not used). */
const SCALE = 1000;

/**
 * A progress display on `stream`. `forced` prints even when the stream is not a terminal (one
 * line every few seconds, as cli-progress does there, and the totals at the end). `sizesKnown`:
 * the run looks up file sizes, so the percentage is of bytes.
 */
export function createProgress(stream: NodeJS.WriteStream, forced: boolean, sizesKnown = true): Progress {
  const format = (options: Options, _params: Params, payload: { snapshot: ProgressSnapshot }) =>
    progressLine(payload.snapshot, (fraction) => Format.BarFormat(fraction, options));
  const multi = new MultiBar({
    stream,
    format,
    hideCursor: true,
    clearOnComplete: true,
    noTTYOutput: forced,
    notTTYSchedule: 2000,
    fps: 8,
    barsize: 24,
  });
  const state = new ProgressState({ sizesKnown });
  const tty = Boolean(stream.isTTY);
  let bar: SingleBar | null = null;
  let last: ProgressSnapshot | null = null;
  return {
    update(counts) {
      const snapshot = state.update(counts);
      last = snapshot;
      const value = Math.round(snapshot.fraction * SCALE);
      if (bar === null) bar = multi.create(SCALE, value, { snapshot });
      else bar.update(value, { snapshot });
    },
    log(text) {
      // Clear the bar's line first; the bar is redrawn below at its next update.
      stream.write(Buffer.from(`${tty ? '\r\x1b[2K' : ''}${text}`, 'latin1'));
    },
    stop() {
      multi.stop();
      // Off a terminal (forced), lines only come every few seconds: always end with the totals.
      if (!tty && last) {
        const bytes = last.unit === 'bytes' ? `, ${formatBytes(last.bytesDone)}` : '';
        stream.write(`${last.filesDone} files${bytes} in ${state.snapshot().elapsedSeconds.toFixed(1)} s\n`);
      }
      last = null;
    },
  };
}
