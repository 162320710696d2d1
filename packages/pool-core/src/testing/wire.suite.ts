/**
 * Values on the wire: what arrives owns exactly its bytes, values that cannot be sent are refused
 * the same way on every backend, and the EncodingError says which task and item, and why.
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { EncodingError } from '@mpool/pool-core';
import { callIt, hostileObject, identity, layoutOf, returnFunction, returnFunctionAt, returnHostile, returnViews, sqr, viewLayouts, whoami } from './tasks.js';
import { poolTracker, range, rejectionOf, type ConformanceTarget } from './target.js';

/** Every typed array, Buffer and DataView reachable from `value` (through objects, arrays, Maps, Sets). */
function viewsIn(value: unknown, out: ArrayBufferView[] = []): ArrayBufferView[] {
  if (ArrayBuffer.isView(value)) out.push(value);
  else if (value instanceof Map) for (const v of value.values()) viewsIn(v, out);
  else if (value instanceof Set || Array.isArray(value)) for (const v of value) viewsIn(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) viewsIn(v, out);
  return out;
}

const owned = (view: ArrayBufferView) => ({ byteOffset: 0, byteLength: view.byteLength, bufferBytes: view.byteLength });

export function registerWireTests(target: ConformanceTarget): void {
  describe('typed arrays own exactly their bytes', () => {
    const makePool = poolTracker(target);

    it('returned typed arrays, Buffers and DataViews (also nested, also views into bigger buffers)', async () => {
      const pool = makePool({ processes: 1 });
      const results = await pool.map(returnViews, range(20), 1);
      for (const [seed, result] of results.entries()) {
        const views = viewsIn(result);
        expect(views).toHaveLength(6);
        for (const view of views) expect(layoutOf(view)).toEqual(owned(view));
        expect([...result.f64]).toEqual([seed, 2]);
        expect([...result.u8]).toEqual(new Array(8).fill(seed));
        expect(Buffer.from(result.pooled.buffer, result.pooled.byteOffset, result.pooled.byteLength).toString()).toBe(`buffer ${seed}`);
        expect([...result.sub]).toEqual([seed, seed]);
        expect(result.view.getFloat64(8, true)).toBe(seed);
      }
    });

    it('received arguments inside the worker', async () => {
      const pool = makePool({ processes: 1 });
      const big = new Float64Array(1000);
      const args: ArrayBufferView[] = [
        new Float64Array([1, 2]),
        Buffer.from('pooled'),
        big.subarray(3, 5),
        new DataView(big.buffer, 16, 8),
        new Uint8Array(8),
      ];
      const layouts = await pool.apply(viewLayouts, [args]);
      expect(layouts).toEqual(args.map(owned));
    });
  });

  describe('values that cannot be sent are refused alike on every backend', () => {
    const makePool = poolTracker(target);

    it('map(callIt, [1, <not cloneable>, 3]) rejects with EncodingError naming the item, for functions, symbols and host objects', async () => {
      const pool = makePool({ processes: 2 });
      const { port1 } = new MessageChannel();
      try {
        for (const bad of [() => 2, Symbol('s'), port1, { nested: [port1] }]) {
          const error = (await rejectionOf(pool.map(callIt, [1, bad, 3]))) as EncodingError;
          expect(error).toBeInstanceOf(EncodingError);
          expect(error.message).toMatch(/arguments of task callIt \(input item 1\)/);
        }
        expect(await pool.map(callIt, [1, 2, 3])).toEqual([1, 2, 3]);
      } finally {
        port1.close();
      }
    });

    it("an unsendable argument's EncodingError carries the error the encoder threw as its cause", async () => {
      const pool = makePool({ processes: 1 });
      const error = (await rejectionOf(pool.apply(identity, [{ callback: () => 1 }]))) as EncodingError;
      expect(error).toBeInstanceOf(EncodingError);
      expect(error.cause).toBeInstanceOf(Error);
      expect((error.cause as Error).message).toMatch(/could not be cloned/);
    });

    it('an unsendable result names the task and the input item, with the cause', async () => {
      const pool = makePool({ processes: 1 });
      const first = await pool.apply(whoami);
      const single = (await rejectionOf(pool.apply(returnFunction))) as EncodingError;
      expect(single).toBeInstanceOf(EncodingError);
      expect(single.message).toMatch(/^the result of task returnFunction \(input item 0\) could not be sent back from the worker: .*could not be cloned/);
      expect((single.cause as Error).message).toMatch(/could not be cloned/);
      const inChunk = (await rejectionOf(pool.starmap(returnFunctionAt, range(6).map((x) => [x, 4] as [number, number]), 3))) as EncodingError;
      expect(inChunk).toBeInstanceOf(EncodingError);
      expect(inChunk.message).toMatch(/^the result of task returnFunctionAt \(input item 4\) could not be sent back/);
      expect((await pool.apply(whoami)).workerId).toBe(first.workerId);
      expect(await pool.map(sqr, [1, 2])).toEqual([1, 4]);
    });

    it('a result or an argument whose getter throws (an unreadable error): EncodingError, the worker survives', async () => {
      const pool = makePool({ processes: 1 });
      const first = await pool.apply(whoami);
      const result = (await rejectionOf(pool.apply(returnHostile))) as EncodingError;
      expect(result).toBeInstanceOf(EncodingError);
      expect(result.message).toMatch(/^the result of task returnHostile \(input item 0\) could not be sent back/);
      const argument = (await rejectionOf(pool.apply(identity, [hostileObject('argument getter')]))) as EncodingError;
      expect(argument).toBeInstanceOf(EncodingError);
      expect(argument.message).toMatch(/^the arguments of task identity \(input item 0\) cannot be sent/);
      expect((await pool.apply(whoami)).workerId).toBe(first.workerId);
    });
  });
}
