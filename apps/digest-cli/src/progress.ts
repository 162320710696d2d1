/**
 * The progress display on stderr (cli-progress): files, bytes, rate and ETA. Shown when stderr is
 * a terminal, or when forced with --progress; never on a pipe unless forced, so logs stay clean.
 *
 * Most files are hashed by the worker that lists their directory, so the totals are only known
 * once the walk is over: until then the line shows counts and rate (`walking`); then a bar, the
 * percentage and the ETA of what is left (big files, which are scheduled last by design).
 */
import cliProgress, { type Options, type Params, type SingleBar } from 'cli-progress';
import type { RunProgress } from './digest.js';

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

// cli-progress is CommonJS without names Node's ESM loader can detect: take them off the default.
const { Format, MultiBar } = cliProgress;

interface Payload {
  counts: RunProgress;
  rate: number;
}

/** One progress line; `params` are cli-progress's (value/total are bytes plus a per-file share). */
function formatLine(options: Options, params: Params, payload: Payload): string {
  const c = payload.counts;
  const head = `${c.filesDone} files | ${formatBytes(c.bytesDone)} | ${formatBytes(payload.rate)}/s`;
  if (c.walking) return `${head} | walking...`;
  const percent = Math.floor(params.progress * 100);
  const eta = Format.TimeFormat(params.eta, options, 1);
  return `${Format.BarFormat(params.progress, options)} ${percent}% | ${c.filesDone}/${c.filesFound} files | ${head.split(' | ').slice(1).join(' | ')} | ETA ${eta}`;
}

// The bar counts bytes plus a nominal 16 KiB per file, so trees of empty files move too.
const PER_FILE = 16 << 10;

/**
 * A progress display on `stream`. `forced` prints even when the stream is not a terminal (one
 * line every few seconds, as cli-progress does there, and the totals at the end).
 */
export function createProgress(stream: NodeJS.WriteStream, forced: boolean): Progress {
  const multi = new MultiBar({
    stream,
    format: formatLine,
    hideCursor: true,
    clearOnComplete: true,
    noTTYOutput: forced,
    notTTYSchedule: 2000,
    fps: 8,
    etaBuffer: 50,
    barsize: 24,
  });
  const started = performance.now();
  const tty = Boolean(stream.isTTY);
  let bar: SingleBar | null = null;
  let last: RunProgress | null = null;
  return {
    update(counts) {
      last = counts;
      const seconds = (performance.now() - started) / 1000;
      const payload: Payload = { counts: { ...counts }, rate: seconds > 0 ? counts.bytesDone / seconds : 0 };
      const total = Math.max(counts.bytesFound + counts.filesFound * PER_FILE, 1);
      const value = counts.bytesDone + counts.filesDone * PER_FILE;
      if (bar === null) bar = multi.create(total, value, payload);
      else {
        bar.setTotal(total);
        bar.update(value, payload);
      }
    },
    log(text) {
      // Clear the bar's line first; the bar is redrawn below at its next update.
      stream.write(Buffer.from(`${tty ? '\r\x1b[2K' : ''}${text}`, 'latin1'));
    },
    stop() {
      multi.stop();
      // Off a terminal (forced), lines only come every few seconds: always end with the totals.
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (!tty && last) stream.write(`${last.filesDone} files, ${formatBytes(last.bytesDone)} in ${seconds} s\n`);
      last = null;
    },
  };
}
