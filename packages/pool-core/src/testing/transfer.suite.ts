/**
 * move(): marked buffers in arguments, map/imap items and results arrive with the right bytes on
 * every backend; where the backend detaches moved memory (threads, procs) the sender's copy is
 * empty afterwards; a Buffer on Node's shared pool slab is copied, never taken from its neighbours.
 */
import { describe, expect, it } from 'vitest';
import { move } from '@mpool/pool-core';
import { drain, poolTracker, range, type ConformanceTarget } from './target.js';
import { describeBytes, describeNested, echoMoved, movedBack, movedNested, patterned, summarize } from './transfer-tasks.js';

const MiB = 1 << 20;
/** Bytes the sender still holds (a DataView's byteLength throws once detached; its buffer's does not). */
const held = (value: ArrayBuffer | ArrayBufferView) => (value instanceof ArrayBuffer ? value : value.buffer).byteLength;

export function registerTransferTests(target: ConformanceTarget): void {
  describe('move(): transfer instead of copy', () => {
    const makePool = poolTracker(target);
    const detaches = target.detachesMoved === true;
    /** What the sender's buffer looks like after the call: empty where moved memory is detached. */
    const afterSend = (n: number) => (detaches ? 0 : n);

    it('moved arguments (a Buffer, a typed array, a DataView, an ArrayBuffer) arrive with their bytes and class', async () => {
      const pool = makePool({ processes: 1 });
      const values: Array<[string, () => ArrayBuffer | ArrayBufferView]> = [
        ['Buffer', () => Buffer.from(patterned(MiB, 1))],
        ['Float64Array', () => new Float64Array(patterned(4096, 2).buffer)],
        ['DataView', () => new DataView(patterned(100_000, 3).buffer)],
        ['ArrayBuffer', () => patterned(70_000, 4).buffer],
      ];
      for (const [kind, make] of values) {
        const value = make();
        const expected = summarize(value);
        expect(await pool.apply(describeBytes, [move(value)]), kind).toEqual({ ...expected, kind: kind === 'Buffer' ? 'Uint8Array' : kind });
        expect(held(value), `${kind} after the call`).toBe(afterSend(expected.byteLength));
      }
    });

    it('moved buffers nested in arrays and objects are found and arrive intact', async () => {
      const pool = makePool({ processes: 1 });
      const a = patterned(MiB, 5);
      const b = patterned(10, 6);
      const expected = [summarize(a), summarize(b)];
      expect(await pool.apply(describeNested, [[move(a), { b: move(b) }]])).toEqual(expected);
      expect([held(a), held(b)]).toEqual([afterSend(MiB), afterSend(10)]);
    });

    it('moved map and imap items, big and small mixed, arrive in order with their bytes', async () => {
      const pool = makePool({ processes: 2 });
      const sizes = range(24).map((i) => [10, 100_000, MiB][i % 3]!);
      const make = () => sizes.map((n, i) => patterned(n, i));
      const expected = make().map(summarize);
      const items = make();
      expect(await pool.map(describeBytes, items.map((x) => move(x)), 1)).toEqual(expected);
      for (const item of items) expect(held(item)).toBe(afterSend(sizes[items.indexOf(item)]!));
      expect(await drain(pool.imap(describeBytes, make().map((x) => move(x)), 2))).toEqual(expected);
    });

    it('results returned with move() (also nested, also an ArrayBuffer) arrive with their bytes', async () => {
      const pool = makePool({ processes: 1 });
      for (const n of [16, 100_000, 4 * MiB]) {
        const result = await pool.apply(movedBack, [n, 7]);
        expect(summarize(result)).toEqual(summarize(patterned(n, 7)));
      }
      const nested = await pool.apply(movedNested, [200_000]);
      expect(summarize(nested.a)).toEqual(summarize(patterned(200_000, 1)));
      expect(summarize(nested.list[0]!)).toEqual({ ...summarize(patterned(200_000, 2)), kind: 'ArrayBuffer' });
      expect(summarize(nested.map.get('m')!).sum).toBe(summarize(patterned(200_000, 3)).sum);
    });

    it('a round trip moved both ways returns the same bytes, many times over', async () => {
      const pool = makePool({ processes: 1 });
      let buf = patterned(MiB, 9);
      const expected = summarize(buf);
      for (let i = 0; i < 20; i++) {
        const sent = buf;
        buf = await pool.apply(echoMoved, [move(buf)]);
        expect(held(sent)).toBe(afterSend(MiB));
      }
      expect(summarize(buf)).toEqual(expected);
    });

    it("a small Buffer on Node's shared pool slab is copied once: its neighbours keep their bytes", async () => {
      const pool = makePool({ processes: 1 });
      const mine = Buffer.from('moved bytes');
      const neighbour = Buffer.from('neighbour');
      // Both on one slab (what makes the case): moving the slab would take the neighbour with it.
      expect(mine.buffer).toBe(neighbour.buffer);
      expect(mine.buffer.byteLength).toBeGreaterThan(mine.byteLength);
      const moved = move(mine);
      expect(moved).not.toBe(mine); // the copy that travels
      expect(await pool.apply(describeBytes, [moved])).toEqual(summarize(Buffer.from('moved bytes')));
      expect(held(moved)).toBe(afterSend(11));
      expect(mine.toString()).toBe('moved bytes');
      expect(neighbour.toString()).toBe('neighbour');
      // A subarray of a bigger buffer is the same case.
      const whole = patterned(1000, 0);
      const part = move(whole.subarray(10, 20));
      expect(summarize(await pool.apply(echoMoved, [part]))).toEqual(summarize(patterned(1000, 0).subarray(10, 20)));
      expect(summarize(whole)).toEqual(summarize(patterned(1000, 0)));
    });

    it('move() of something that is not binary data throws a TypeError naming it; nothing is sent', () => {
      for (const [bad, named] of [
        [5, /got number 5/],
        [{}, /got Object/],
        ['text', /got the string "text"/],
        [null, /got null/],
        [[new Uint8Array(1)], /got Array/],
      ] as const) {
        expect(() => move(bad as never)).toThrow(TypeError);
        expect(() => move(bad as never)).toThrow(named);
      }
      expect(() => move(new SharedArrayBuffer(8) as never)).toThrow(/cannot move a SharedArrayBuffer/);
      expect(() => move(new Uint8Array(new SharedArrayBuffer(8)))).toThrow(/cannot move a SharedArrayBuffer \(got Uint8Array\)/);
    });
  });
}
