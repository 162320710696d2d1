/**
 * The process around a run: stdout, stderr (diagnostics and the progress bar) and stdin, as one
 * object so that tests can run main() in-process with everything captured.
 */
import { fstatSync, writeSync } from 'node:fs';
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
  /**
   * False when the progress stream cannot be a terminal, known without making the stream (see
   * processIo); then progress is not drawn unless forced. Default: look at the stream.
   */
  progressMayBeTTY?(): boolean;
  /**
   * Stdin as a stream, read as it arrives: for the `-` operand (hashed) and for a manifest on
   * stdin (`-c -`, `--audit -`, streamed). @throws when stdin cannot be read (a directory).
   */
  stdinStream(): NodeJS.ReadableStream;
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
    // A getter: making process.stderr loads node:stream (a few ms of a small run), and it is
    // only needed when progress is drawn.
    get progressStream() {
      return process.stderr;
    },
    // A terminal is a character device: a pipe or a file on fd 2 is not (nor, then, a TTY).
    // bigint: a pipe's stat must not stay in the shared stat array that require() trips on
    // (see backend-modules.ts).
    progressMayBeTTY: () => {
      try {
        return fstatSync(2, { bigint: true }).isCharacterDevice();
      } catch {
        return false; // no stderr at all
      }
    },
    stdinStream: () => {
      // Node hands a directory on fd 0 over as an empty stream: say what read(2) would say.
      if (fstatSync(0, { bigint: true }).isDirectory()) throw Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR' });
      return process.stdin;
    },
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

  /** Like {@link say}, for text (a JS string: messages naming a command-line argument), sent as UTF-8. */
  sayText(text: string): void {
    this.say(Buffer.from(text, 'utf8').toString('latin1'));
  }

  /** `digest-tree: PATH: reason`. */
  issue(issue: Issue): void {
    this.say(`${pathForMessage(issue.path)}: ${issue.message}`);
  }
}

/** A name in a one-line diagnostic: raw bytes, but a newline would break the line, so it is shown as `\n`. */
const pathForMessage = (path: BytePath): string => path.replace(/\n/g, '\\n');
