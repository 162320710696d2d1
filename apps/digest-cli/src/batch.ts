/**
 * The shape of a hashed batch, shared by the workers (hasher.ts) and the main thread. Kept apart
 * from hasher.ts so that the main thread never loads the native addon it does not use.
 */

/** Which implementation hashes: `auto` is `native` when the addon loads, else `node`. */
export type HasherName = 'auto' | 'native' | 'node';

/** Bytes in one SHA-512 digest. */
export const DIGEST_BYTES = 64;

/** One file of a batch that could not be hashed. */
export interface HashFailure {
  index: number;
  code: string;
  message: string;
}

/** Digests of a batch: file i is `digests[64*i, 64*i+64)` unless listed in `failures` (in index order). */
export interface BatchDigests {
  digests: Uint8Array;
  failures: HashFailure[];
}
