/**
 * Writing to stdout. Writes are synchronous (`fs.writeSync`), buffered in 64 KiB blocks: output
 * order is then simply call order, an error is raised where the write happens, and a reader
 * that goes away (`digest-tree | head -1`) turns into one {@link OutputClosedError} instead of
 * an EPIPE stack trace from a stream's 'error' event. Any other failure (`> /dev/full`) is one
 * {@link OutputWriteError}; either way nothing more is written.
 */
import { writeSync } from 'node:fs';
import { OutputClosedError, OutputWriteError } from './errors.js';

/** Byte strings (`latin1`: raw names) or text (`utf8`: JSON). */
export type OutputEncoding = 'latin1' | 'utf8';

/** A sink for the program's standard output. */
export interface Output {
  write(text: string, encoding: OutputEncoding): void;
  /**
   * Raw bytes, after everything written before. For large outputs formatted straight into
   * byte blocks (format/blocks.ts): no string is made. The caller may reuse `bytes` afterwards.
   */
  writeBytes(bytes: Uint8Array): void;
  /** Writes anything still buffered. */
  flush(): void;
}

const BLOCK = 1 << 16;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Buffered, synchronous output to a file descriptor. */
export class FdOutput implements Output {
  #text = '';
  #encoding: OutputEncoding = 'latin1';
  /** The first failure: every later write or flush throws it again (nothing more can be written). */
  #failure: OutputClosedError | OutputWriteError | null = null;

  constructor(private readonly fd: number) {}

  write(text: string, encoding: OutputEncoding): void {
    if (this.#failure) throw this.#failure;
    // Strings are joined and converted once per block: one Buffer per line would cost more
    // than formatting the line.
    if (encoding !== this.#encoding && this.#text.length > 0) this.flush();
    this.#encoding = encoding;
    this.#text += text;
    if (this.#text.length >= BLOCK) this.flush();
  }

  writeBytes(bytes: Uint8Array): void {
    if (this.#failure) throw this.#failure;
    this.flush();
    this.#writeAll(bytes);
  }

  flush(): void {
    if (this.#failure) throw this.#failure;
    if (this.#text.length === 0) return;
    const data = Buffer.from(this.#text, this.#encoding);
    this.#text = '';
    this.#writeAll(data);
  }

  #writeAll(data: Uint8Array): void {
    for (let off = 0; off < data.length; ) {
      try {
        off += writeSync(this.fd, data, off);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A non-blocking pipe (set by whoever shares it) that is full: wait a little, retry.
        if (code === 'EAGAIN') Atomics.wait(sleeper, 0, 0, 2);
        else {
          this.#failure = code === 'EPIPE' ? new OutputClosedError('standard output is closed', { cause: error }) : new OutputWriteError(error);
          throw this.#failure;
        }
      }
    }
  }
}

/** Output kept in memory (tests and the library). */
export class MemoryOutput implements Output {
  readonly chunks: Buffer[] = [];
  write(text: string, encoding: OutputEncoding): void {
    this.chunks.push(Buffer.from(text, encoding));
  }
  writeBytes(bytes: Uint8Array): void {
    this.chunks.push(Buffer.from(bytes));
  }
  flush(): void {}
  /** Everything written, as bytes. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
