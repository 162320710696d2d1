/**
 * The process around a run: stdout, stderr (diagnostics and the progress bar) and stdin, as one
 * object so that tests can run main() in-process with everything captured.
 */
import { readFileSync, writeSync } from 'node:fs';
import type { Issue } from '../errors.js';
import { FdOutput, type Output } from '../output.js';
import type { Progress } from '../progress.js';
import type { BytePath } from '../paths.js';

/** What main() talks to. */
export interface Io {
  out: Output;
  /** Writes diagnostic text (a byte string: names keep their raw bytes) to stderr. */
  err(text: string): void;
  /** The stream to draw progress on, and whether it is a terminal. */
  progressStream: NodeJS.WriteStream | null;
  /** Reads all of stdin. */
  readStdin(): Buffer;
  /** Stdin as it arrives (for `--check -` and `--audit -`, which stream the manifest). */
  stdinChunks(): AsyncIterable<Buffer>;
  /** Cancels the run (SIGINT in the real process). */
  signal?: AbortSignal;
}

/** The real process's streams. */
export function processIo(signal?: AbortSignal): Io {
  return {
    out: new FdOutput(1),
    err: (text) => {
      try {
        writeSync(2, Buffer.from(text, 'latin1'));
      } catch {
        // stderr gone too: nothing left to tell anyone.
      }
    },
    progressStream: process.stderr,
    readStdin: () => readFileSync(0),
    stdinChunks: () => process.stdin,
    signal,
  };
}

/** Diagnostics, prefixed with the program name, routed above the progress bar when one is shown. */
export class Reporter {
  progress: Progress | null = null;
  constructor(private readonly io: Io) {}

  /** `digest-tree: text` on stderr. */
  say(text: string): void {
    const line = `digest-tree: ${text}\n`;
    if (this.progress) this.progress.log(line);
    else this.io.err(line);
  }

  /** `digest-tree: PATH: reason`. */
  issue(issue: Issue): void {
    this.say(`${pathForMessage(issue.path)}: ${issue.message}`);
  }
}

/** A name in a one-line diagnostic: raw bytes, but a newline would break the line, so it is shown as `\n`. */
const pathForMessage = (path: BytePath): string => path.replace(/\n/g, '\\n');
