/** move() marks and takeMoved(): what a transport finds in a message, once each, and nothing else. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { isMoved, move, takeMoved } from '../src/index.js';

/** The registry move.ts keeps on globalThis (its shape is internal; these tests check it). */
const registry = () => (globalThis as Record<symbol, { marks: WeakMap<ArrayBuffer, unknown>; pending: number }>)[Symbol.for('mpool.move-registry.v2')]!;

describe('takeMoved', () => {
  it('finds marked buffers through arrays, objects, Maps (keys too), Sets and cycles, once each, and forgets their marks', () => {
    const a = new Uint8Array(4);
    const b = new ArrayBuffer(8);
    const c = new Float32Array(2);
    const unmarked = new Uint8Array(3);
    const cyclic: Record<string, unknown> = { list: [move(a), move(a)], map: new Map([[move(c), 1]]), set: new Set([move(b)]), unmarked };
    cyclic.self = cyclic;
    const found = takeMoved([cyclic, a.subarray(1)]);
    expect(new Set(found)).toEqual(new Set([a.buffer, b, c.buffer]));
    expect(found).toHaveLength(3);
    expect([isMoved(a.buffer), isMoved(b), isMoved(c.buffer)]).toEqual([false, false, false]);
    expect(takeMoved(cyclic)).toEqual([]); // marks are taken once
  });

  it('a getter that throws while looking does not throw here (sending will say what is wrong)', () => {
    const x = move(new Uint8Array(2));
    const bad = {
      get boom(): never {
        throw new Error('no');
      },
    };
    expect(takeMoved([bad, x])).toEqual([]);
  });

  it('the marks are shared by every copy of pool-core in the process (a registry on globalThis)', () => {
    const x = move(new Uint8Array(2));
    expect(registry().marks.has(x.buffer as ArrayBuffer)).toBe(true);
    takeMoved(x);
    expect(registry().marks.has(x.buffer as ArrayBuffer)).toBe(false);
  });

  it('a big, much-shared, cyclic message is walked in bounded time and each mark is found once', () => {
    const shared = { bytes: move(new Uint8Array(8)) };
    // 30 levels of two references to the level below: 2^30 paths, 31 objects.
    let level: Record<string, unknown> = { shared };
    for (let i = 0; i < 30; i++) level = { left: level, right: level, [`m${i}`]: move(new ArrayBuffer(1)) };
    const rows = Array.from({ length: 500 }, (_, i) => ({ i, row: shared }));
    const message: Record<string, unknown> = { level, rows };
    message.again = message;
    const found = takeMoved(message);
    expect(found).toHaveLength(31);
    expect(found).toContain(shared.bytes.buffer);
    expect(new Set(found).size).toBe(31);
  });

  it('a mark whose buffer is collected unsent stops counting as pending (sending skips the search again)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const before = registry().pending;
    const collectFor = async (ms: number, done: () => boolean) => {
      const deadline = Date.now() + ms;
      while (!done() && Date.now() < deadline) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    (() => {
      for (let i = 0; i < 10; i++) move(new ArrayBuffer(16));
      const sent = move(new ArrayBuffer(16));
      expect(takeMoved([sent])).toEqual([sent]); // taken: no longer pending, but still registered
    })();
    expect(registry().pending).toBe(before + 10);
    await collectFor(10_000, () => registry().pending === before);
    expect(registry().pending).toBe(before);
    await collectFor(200, () => false); // the sent one, collected too, is not counted off twice
    expect(registry().pending).toBe(before);
  });

  it('move() returns the value itself when it owns its whole buffer, a marked copy otherwise', () => {
    const whole = new Uint16Array(4);
    expect(move(whole)).toBe(whole);
    const part = whole.subarray(1, 3);
    const copy = move(part);
    expect(copy).not.toBe(part);
    expect(copy).toBeInstanceOf(Uint16Array);
    expect([copy.byteOffset, copy.byteLength, copy.buffer.byteLength]).toEqual([0, 4, 4]);
    expect(isMoved(copy.buffer)).toBe(true);
    expect(isMoved(whole.buffer)).toBe(true);
    takeMoved([whole, copy]);
  });
});
