/**
 * Task fixtures of the transfer tests (move()): they describe the bytes they were given, and
 * return buffers moved back. Workers import this module by URL: no test-runner imports here.
 */
import { defineTasks, move } from '@mpool/pool-core';

/** What a test needs to know of a binary value: its class, its length and a checksum of its bytes. */
export interface BytesSummary {
  kind: string;
  byteLength: number;
  sum: number;
}

export function summarize(value: ArrayBuffer | ArrayBufferView): BytesSummary {
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum = (sum + bytes[i]! * ((i % 251) + 1)) % 1_000_000_007;
  // A Buffer counts as the Uint8Array it is: threads deliver Buffers as Uint8Arrays (structured clone does).
  const kind = Object.prototype.toString.call(value).slice(8, -1);
  return { kind, byteLength: bytes.length, sum };
}

/** `n` bytes, byte i = (seed + i) % 256, on an ArrayBuffer of their own. */
export function patterned(n: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (seed + i) % 256;
  return bytes;
}

type Binary = ArrayBuffer | ArrayBufferView;

export const { describeBytes, describeNested, movedBack, movedNested, echoMoved } = defineTasks(import.meta.url, {
  describeBytes: (value: Binary) => summarize(value),
  describeNested: (value: [Binary, { b: Binary }]) => [summarize(value[0]), summarize(value[1].b)],
  /** A fresh patterned buffer of `n` bytes, returned with move(). */
  movedBack: (n: number, seed: number) => move(patterned(n, seed)),
  /** Moved results nested in an object, an array and a Map. */
  movedNested: (n: number) => ({ a: move(patterned(n, 1)), list: [move(patterned(n, 2).buffer)], map: new Map([['m', move(Buffer.from(patterned(n, 3)))]]) }),
  /** Returns what it was given, moved back. */
  echoMoved: <T extends Binary>(value: T): T => move(value),
});
