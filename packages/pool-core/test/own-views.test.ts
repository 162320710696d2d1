import { describe, expect, it } from 'vitest';
import { ownViews } from '../src/index.js';

const owns = (v: ArrayBufferView) => v.byteOffset === 0 && v.buffer.byteLength === v.byteLength;

describe('ownViews', () => {
  it('copies views into bigger buffers wherever they are (objects, arrays, Map keys and values, Sets, cycles), keeping values and classes', () => {
    const big = new Float64Array([0, 1, 2, 3, 4, 5]);
    const sub = big.subarray(2, 4);
    const dv = new DataView(big.buffer, 8, 8);
    const key = new Uint8Array(big.buffer, 0, 4);
    const message: Record<string, unknown> = { sub, list: [1, 'x', dv], map: new Map<unknown, unknown>([['a', sub], [key, 1]]), set: new Set([sub]) };
    message.self = message;
    const out = ownViews(message) as typeof message & { map: Map<unknown, unknown>; set: Set<unknown>; list: unknown[] };
    expect(out).toBe(message);
    expect(out.sub).toBeInstanceOf(Float64Array);
    expect([...(out.sub as Float64Array)]).toEqual([2, 3]);
    expect(owns(out.sub as Float64Array)).toBe(true);
    expect((out.list[2] as DataView).getFloat64(0, true)).toBe(1);
    expect(owns(out.list[2] as DataView)).toBe(true);
    expect(owns(out.map.get('a') as Float64Array)).toBe(true);
    const [mapKey] = [...out.map.keys()].filter((k) => k !== 'a') as Uint8Array[];
    expect(owns(mapKey!)).toBe(true);
    expect(out.map.get(mapKey)).toBe(1);
    expect([...out.set].every((v) => owns(v as Float64Array))).toBe(true);
    expect([...big]).toEqual([0, 1, 2, 3, 4, 5]); // the original buffer is untouched
  });

  it('leaves alone views that already own their buffer, views on shared memory, and primitives', () => {
    const whole = new Uint8Array(4);
    const shared = new Uint8Array(new SharedArrayBuffer(16), 4, 4);
    const message = { whole, shared, n: 1 };
    ownViews(message);
    expect(message.whole).toBe(whole);
    expect(message.shared).toBe(shared);
    expect(ownViews(7)).toBe(7);
    const top = new Uint8Array(new ArrayBuffer(8), 2, 2);
    expect(owns(ownViews(top))).toBe(true);
  });

  it('a big, much-shared, cyclic message is walked in bounded time; every part-view in it ends up owning its bytes', () => {
    const parent = new Uint8Array(64).map((_, i) => i);
    let level: Record<string, unknown> = { leaf: parent.subarray(1, 3) };
    // 30 levels of two references to the level below: 2^30 paths, 31 objects.
    for (let i = 0; i < 30; i++) level = { left: level, right: level, view: parent.subarray(i, i + 1) };
    const rows = Array.from({ length: 500 }, (_, i) => ({ i, view: parent.subarray(i % 60, (i % 60) + 4) }));
    const message: Record<string, unknown> = { level, rows };
    message.again = message;
    expect(ownViews(message)).toBe(message);
    let walk = message.level as Record<string, unknown>;
    for (let i = 29; i >= 0; i--) {
      const view = walk.view as Uint8Array;
      expect(owns(view)).toBe(true);
      expect([...view]).toEqual([i]);
      walk = walk.left as Record<string, unknown>;
    }
    expect([...(walk.leaf as Uint8Array)]).toEqual([1, 2]);
    for (const [i, row] of rows.entries()) {
      expect(owns(row.view)).toBe(true);
      expect(row.view[0]).toBe(i % 60);
    }
  });
});
