/** Values: every method gives what `Array.prototype.map` gives, whatever the chunksize. */
import { describe, expect, it } from 'vitest';
import { taskRef, AsyncResult } from '@mpool/pool-core';
import { add, cube, sqr, sleepThen, identity } from './tasks.js';
import { drain, poolTracker, range, untilWorkersReady, type ConformanceTarget } from './target.js';

export function registerResultTests(target: ConformanceTarget): void {
  describe('results', () => {
    const makePool = poolTracker(target);
    const xs = range(250);
    const expected = xs.map((x) => x * x);

    it('apply and applyAsync return the task value', async () => {
      const pool = makePool({ processes: 2 });
      expect(await pool.apply(sqr, [7])).toBe(49);
      const r = pool.applyAsync(add, [2, 3]);
      expect(r).toBeInstanceOf(AsyncResult);
      expect(await r.get()).toBe(5);
      expect(r.ready()).toBe(true);
      expect(r.successful()).toBe(true);
    });

    for (const chunksize of [undefined, 1, 7, 20, 100]) {
      it(`map, mapAsync, starmap, starmapAsync, imap, imapUnordered equal Array.map (chunksize ${chunksize ?? 'default'})`, async () => {
        const pool = makePool({ processes: 3 });
        expect(await pool.map(sqr, xs, chunksize)).toEqual(expected);
        expect(await pool.mapAsync(sqr, xs, { chunksize }).get()).toEqual(expected);
        const pairs = xs.map((x) => [x, 1000] as [number, number]);
        expect(await pool.starmap(add, pairs, chunksize)).toEqual(xs.map((x) => x + 1000));
        expect(await pool.starmapAsync(add, pairs, { chunksize }).get()).toEqual(xs.map((x) => x + 1000));
        expect(await drain(pool.imap(sqr, xs, chunksize))).toEqual(expected);
        const unordered = await drain(pool.imapUnordered(sqr, xs, { chunksize }));
        expect(unordered.sort((a, b) => a - b)).toEqual(expected);
      });
    }

    it('empty inputs give empty results for every method', async () => {
      const pool = makePool({ processes: 2 });
      expect(await pool.map(sqr, [])).toEqual([]);
      expect(await pool.mapAsync(sqr, []).get()).toEqual([]);
      expect(await pool.starmap(add, [])).toEqual([]);
      expect(await pool.starmapAsync(add, []).get()).toEqual([]);
      expect(await drain(pool.imap(sqr, []))).toEqual([]);
      expect(await drain(pool.imapUnordered(sqr, []))).toEqual([]);
    });

    it('accepts async iterables and generators as input', async () => {
      const pool = makePool({ processes: 2 });
      async function* gen() {
        for (const x of range(30)) yield x;
      }
      expect(await pool.map(sqr, gen(), 4)).toEqual(range(30).map((x) => x * x));
      expect(await drain(pool.imap(sqr, gen(), 4))).toEqual(range(30).map((x) => x * x));
      expect(await pool.map(sqr, new Set([1, 2, 3]))).toEqual([1, 4, 9]);
    });

    it('imapUnordered yields in completion order', async () => {
      const pool = makePool({ processes: 2 });
      await untilWorkersReady(pool, 2);
      const seen: number[] = [];
      for await (const v of pool.imapUnordered(sleepThen, [300, 10])) seen.push(v as number);
      expect(seen).toEqual([10, 300]);
    });

    it('a long task never strands work queued behind it while another worker is idle', async () => {
      const pool = makePool({ processes: 2 });
      await untilWorkersReady(pool, 2);
      const order: unknown[] = [];
      for await (const v of pool.imapUnordered(sleepThen, [600, 40, 41, 42, 43])) order.push(v);
      expect(order).toEqual([40, 41, 42, 43, 600]);
    });

    it('structured values survive the trip (Map, Set, Date, BigInt, typed arrays, nested)', async () => {
      const pool = makePool({ processes: 1 });
      const value = {
        map: new Map([[1, 'a']]),
        set: new Set(['x']),
        date: new Date(86_400_000),
        big: 2n ** 70n,
        bytes: new Uint8Array([1, 2, 3]),
        nested: [{ deep: [null, undefined, Number.NaN] }],
      };
      expect(await pool.apply(identity, [value])).toEqual(value);
    });

    it('taskRef addresses a plain exported function', async () => {
      const pool = makePool({ processes: 1 });
      const url = new URL('./tasks.js', import.meta.url).href;
      expect(await pool.map(taskRef<typeof cube>(url, 'cube'), [1, 2, 3])).toEqual([1, 8, 27]);
    });

    it('callbacks run once with the value, before get() resolves', async () => {
      const pool = makePool({ processes: 2 });
      const calls: unknown[] = [];
      const mapCalls: unknown[] = [];
      const r = pool.applyAsync(sqr, [9], { callback: (v) => calls.push(['ok', v, r.ready()]), errorCallback: (e) => calls.push(['err', e]) });
      const m = pool.mapAsync(sqr, [1, 2], { callback: (v) => mapCalls.push(v) });
      expect(await r.get()).toBe(81);
      expect(await m.get()).toEqual([1, 4]);
      expect(calls).toEqual([['ok', 81, true]]);
      expect(mapCalls).toEqual([[1, 4]]);
    });
  });
}
