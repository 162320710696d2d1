/**
 * The last bytes a child wrote to stderr, so that a crash can say why: when a child dies, Node and
 * V8 print the reason there (`FATAL ERROR: ... JavaScript heap out of memory`, an uncaught
 * exception's stack), and the exit code or signal alone (SIGABRT, 1) does not tell it.
 */
import type { Readable } from 'node:stream';

/** Bytes of stderr kept per child (the V8 report of an out-of-memory crash fits easily). */
export const STDERR_TAIL_BYTES = 16 * 1024;

/** Keeps the last {@link STDERR_TAIL_BYTES} of `stream` (O(1) amortised per byte, bounded memory). */
export class StderrTail {
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer) => this.#push(chunk));
  }

  #push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    // Compact only when twice the limit is held, so each byte is copied a bounded number of times.
    if (this.#bytes >= 2 * STDERR_TAIL_BYTES) {
      const all = Buffer.concat(this.#chunks);
      this.#chunks = [all.subarray(all.length - STDERR_TAIL_BYTES)];
      this.#bytes = STDERR_TAIL_BYTES;
    }
  }

  /** The kept tail as text (it may start in the middle of a line). */
  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - STDERR_TAIL_BYTES)).toString('utf8');
  }
}

/** Lines V8 and Node print when they abort (out of memory, a failed check). */
const FATAL_LINE = /^(?:FATAL ERROR: .*|# Fatal (?:error|JavaScript out of memory).*)$/m;
/** The footer Node prints after the report of an uncaught exception or a fatal error. */
const NODE_FOOTER = /\nNode\.js v\d+\.\d+\.\d+\s*$/;
/** The `Name: message` line of an uncaught exception's report (e.g. `TypeError: bad`), last one wins. */
const EXCEPTION_LINE = /^(?:[A-Za-z_$][\w$.]*)?(?:Error|Exception)\b.*$/gm;
/** Node's own command-line errors (`/usr/bin/node: bad option: --x`): a child that cannot even start. */
const NODE_CLI_ERROR = /^(?:\S*[\\/])?node(?:js)?(?:\.exe)?: .*$/m;
/** Lines of a report that never say what was thrown. */
const NOT_THE_REASON = /^(?:\s*|\s+at .*|Node\.js v.*|\(Use `node --trace-uncaught .*)$/;

/** A crash cause with the stderr it was read from. */
export interface StderrCause extends Error {
  /** The last part of the child's stderr (at most {@link STDERR_TAIL_BYTES}). */
  stderr: string;
  /** `ERR_WORKER_OUT_OF_MEMORY` when V8 ran out of heap, as the threads backend reports it. */
  code?: string;
}

/**
 * Why a child died, read from its stderr tail: the V8 fatal line, the exception line of Node's
 * uncaught-exception report, or Node's command-line error. `undefined` when the tail holds none
 * (e.g. `process.exit(1)` or a kill): then stderr says nothing about the exit, and a cause would
 * only mislead.
 */
export function crashCause(tail: string): StderrCause | undefined {
  const fatal = FATAL_LINE.exec(tail)?.[0];
  let message = fatal;
  if (message === undefined && NODE_FOOTER.test(tail)) {
    // An Error's `Name: message` line; for a thrown non-error (`throw 'x'`), the value Node printed.
    message = [...tail.matchAll(EXCEPTION_LINE)].at(-1)?.[0] ?? tail.split('\n').findLast((line) => !NOT_THE_REASON.test(line));
  }
  message ??= NODE_CLI_ERROR.exec(tail)?.[0];
  if (message === undefined) return undefined;
  const cause = new Error(message.trim()) as StderrCause;
  cause.stderr = tail;
  if (fatal !== undefined && /heap out of memory|Allocation failed/i.test(fatal)) cause.code = 'ERR_WORKER_OUT_OF_MEMORY';
  return cause;
}
