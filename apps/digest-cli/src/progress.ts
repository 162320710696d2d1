/**
 * The progress bar on stderr (cli-progress): files, bytes, rate and ETA. Shown when stderr is a
 * terminal, or when forced with --progress; never on a pipe unless forced, so logs stay clean.
 * The totals grow while the walk is still listing directories (shown with a `+`), so the ETA
 * settles once the walk is over, which is early: listing goes before hashing.
 */
import { MultiBar, type SingleBar } from 'cli-progress';
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

/**
 * A progress bar on `stream`. `forced` prints even when the stream is not a terminal (one line
 * every few seconds, as cli-progress does there).
 */
export function createProgress(stream: NodeJS.WriteStream, forced: boolean): Progress {
  const multi = new MultiBar({
    stream,
    format: '{bar} {percentage}% | {files} files | {bytes} | {rate}/s | ETA {eta_formatted}',
    hideCursor: true,
    clearOnComplete: true,
    noTTYOutput: forced,
    notTTYSchedule: 2000,
    fps: 8,
    etaBuffer: 50,
    barsize: 24,
  });
  const started = performance.now();
  let bar: SingleBar | null = null;
  let last: RunProgress | null = null;
  const tty = Boolean(stream.isTTY);
  return {
    update(c) {
      last = c;
      const seconds = (performance.now() - started) / 1000;
      const more = c.walking ? '+' : '';
      const payload = {
        files: `${c.filesDone}/${c.filesFound}${more}`,
        bytes: `${formatBytes(c.bytesDone)}/${formatBytes(c.bytesFound)}${more}`,
        rate: formatBytes(seconds > 0 ? c.bytesDone / seconds : 0),
      };
      // Progress counts bytes plus a nominal 16 KiB per file, so trees of empty files move too.
      const total = c.bytesFound + c.filesFound * 16384;
      const value = c.bytesDone + c.filesDone * 16384;
      if (bar === null) bar = multi.create(Math.max(total, 1), value, payload);
      else {
        bar.setTotal(Math.max(total, 1));
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
      if (!tty && last) stream.write(`${last.filesDone} files, ${formatBytes(last.bytesDone)} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      last = null;
    },
  };
}
