/**
 * The `-` operand: standard input, hashed on the main thread as it arrives (node:crypto, i.e.
 * OpenSSL's SHA-512; one stream cannot use the pool) and named `-`, as `sha512sum -` does.
 * A file really named `-` is `./-`.
 */
import { lazyBuiltin } from '../clock.js';
import { issueFromError, type Issue } from '../errors.js';

// Loaded only when `-` is given: node:crypto and the streams cost a small run a few ms.
const crypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');
const streams = lazyBuiltin<typeof import('node:stream/promises')>('node:stream/promises');

/** The operand that means stdin (after `--` too, as in coreutils). */
export const STDIN_OPERAND = '-';

/** A 64-byte digest, or why stdin could not be read. */
export type StdinDigest = { kind: 'digest'; digest: Buffer; bytes: number } | { kind: 'issue'; issue: Issue };

/**
 * Hashes stdin for each `-` operand. Stdin is read once, to its end: a second `-` finds nothing
 * more and gets the digest of no data (what `sha512sum - -` prints when stdin is a pipe or file).
 */
export class StdinHasher {
  #consumed = false;
  constructor(
    private readonly open: () => NodeJS.ReadableStream,
    private readonly signal?: AbortSignal,
  ) {}

  async digest(): Promise<StdinDigest> {
    const hash = crypto().createHash('sha512');
    if (this.#consumed) return { kind: 'digest', digest: hash.digest(), bytes: 0 };
    this.#consumed = true;
    let bytes = 0;
    try {
      // pipeline() destroys stdin if the run is aborted (Ctrl-C while a terminal is read).
      await streams().pipeline(this.open(), async (source: AsyncIterable<Buffer | string>) => {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.length;
        }
      }, { signal: this.signal });
    } catch (error) {
      if (this.signal?.aborted) throw this.signal.reason;
      return { kind: 'issue', issue: issueFromError(STDIN_OPERAND, error) };
    }
    return { kind: 'digest', digest: hash.digest(), bytes };
  }
}
