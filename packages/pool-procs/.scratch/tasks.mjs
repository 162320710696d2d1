import { defineTasks } from '@mpool/pool-core';
export const { callIt, retSab, retF64, retU8, throwGetter, throwNested, throwSym } = defineTasks(import.meta.url, {
  callIt: (f) => (typeof f === 'function' ? f() : f),
  retSab: () => new SharedArrayBuffer(8),
  retF64: () => new Float64Array([1, 2]),
  retU8: (i) => new Uint8Array(8).fill(i),
  throwGetter() { const e = new Error('bad1'); Object.defineProperty(e, 'x', { enumerable: true, get() { throw new Error('getter error'); } }); throw e; },
  throwNested() { const e = new Error('bad2'); Object.defineProperty(e, 'x', { enumerable: true, get() { const inner = new Error('inner'); Object.defineProperty(inner, 'message', { get() { throw inner; } }); throw inner; } }); throw e; },
  throwSym: () => { throw { s: Symbol(), k: 1 }; },
});
export const { retBuf, layout, retSub } = defineTasks(import.meta.url, {
  retBuf: () => Buffer.from('abc'),
  retSub: () => new Float64Array(100).subarray(10, 12),
  layout: (v) => ({ ctor: v.constructor.name, off: v.byteOffset, len: v.byteLength, buf: v.buffer.byteLength }),
});
