/** The procs message encoding alone: round trips, owned views, refusals like structured clone's. */
import { MessageChannel } from 'node:worker_threads';
import { createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertSendable, decodeMessage, encodeMessage } from '../src/wire-codec.js';

const roundTrip = (value: unknown) => decodeMessage(encodeMessage(value));
const owns = (v: ArrayBufferView) => v.byteOffset === 0 && v.buffer.byteLength === v.byteLength;

describe('wire codec [backend: procs]', () => {
  it('round-trips structured values, small (sent as a string) and large (sent as a Buffer)', () => {
    const value = { map: new Map([[1, 'a']]), set: new Set(['x']), date: new Date(5), big: 2n ** 70n, err: new RangeError('r'), nested: [{ n: null }] };
    expect(typeof encodeMessage(value)).toBe('string');
    expect(roundTrip(value)).toEqual(value);
    const large = { ...value, text: 'y'.repeat(10_000) };
    expect(Buffer.isBuffer(encodeMessage(large))).toBe(true);
    expect(roundTrip(large)).toEqual(large);
  });

  it('every decoded view owns exactly its bytes, keeps its class (a Buffer stays a Buffer) and its contents; shared references stay shared', () => {
    const big = new Float64Array(64).map((_, i) => i);
    const sub = big.subarray(4, 6);
    for (const padding of [0, 10_000]) {
      const out = roundTrip({ sub, again: sub, buf: Buffer.from('abc'), dv: new DataView(big.buffer, 8, 8), pad: 'p'.repeat(padding) }) as Record<string, ArrayBufferView>;
      expect(out.sub).toBeInstanceOf(Float64Array);
      expect([...(out.sub as Float64Array)]).toEqual([4, 5]);
      expect(out.again).toBe(out.sub);
      expect(Buffer.isBuffer(out.buf)).toBe(true);
      expect(out.buf!.toString()).toBe('abc');
      expect((out.dv as DataView).getFloat64(0, true)).toBe(1);
      for (const key of ['sub', 'buf', 'dv']) expect(owns(out[key]!), key).toBe(true);
    }
  });

  it('refuses what structured clone refuses, and what processes cannot share, with DataCloneError', () => {
    const { port1 } = new MessageChannel();
    try {
      for (const bad of [() => 1, Symbol('s'), port1, createSecretKey(Buffer.from('k')), new Blob(['x']), new SharedArrayBuffer(4), new Uint8Array(new SharedArrayBuffer(4))]) {
        let thrown: unknown;
        try {
          assertSendable({ nested: [bad] });
        } catch (error) {
          thrown = error;
        }
        expect(thrown, String(bad)).toBeInstanceOf(DOMException);
        expect((thrown as DOMException).name).toBe('DataCloneError');
        expect((thrown as DOMException).message).toMatch(/could not be cloned/);
        expect(() => encodeMessage({ nested: [bad] })).toThrow(/could not be cloned/);
      }
    } finally {
      port1.close();
    }
  });

  it('decoding something that is not an mpool message throws (a stray process.send)', () => {
    expect(() => decodeMessage({ stray: true })).toThrow();
    expect(() => decodeMessage('hello')).toThrow();
  });
});
