/** move() marks and takeMoved(): what a transport finds in a message, once each, and nothing else. */
import { describe, expect, it } from 'vitest';
import { isMoved, move, takeMoved } from '../src/index.js';

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
    const registry = (globalThis as Record<symbol, { marked: WeakSet<ArrayBuffer> }>)[Symbol.for('mpool.move-registry')];
    const x = move(new Uint8Array(2));
    expect(registry?.marked.has(x.buffer as ArrayBuffer)).toBe(true);
    takeMoved(x);
    expect(registry?.marked.has(x.buffer as ArrayBuffer)).toBe(false);
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
