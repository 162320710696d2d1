// writeDigestLines: digest-tree's GNU and BSD lines from its store's layout, written natively.
// Exact bytes of both formats, where a call stops (a full block, a path to escape, a line longer
// than the block), and a layout that does not hold together (an error, nothing written wrong).
import { describe, expect, it } from 'vitest';
import { fallback, native } from './backends.js';

const write = native.writeDigestLines!;

/** A layout of `paths` (each `dir/name`, dir ending in '/' or empty) with digests 0x00.., 0x01.., ... */
function layout(paths: Array<[string, string]>) {
  const dirs: string[] = [];
  const dirOf = new Uint32Array(paths.length);
  const startOf = new Uint32Array(paths.length);
  const lengthOf = new Uint32Array(paths.length);
  let names = '';
  paths.forEach(([dir, name], i) => {
    if (!dirs.includes(dir)) dirs.push(dir);
    dirOf[i] = dirs.indexOf(dir);
    startOf[i] = names.length;
    lengthOf[i] = name.length;
    names += name;
  });
  const dirEnds = new Uint32Array(dirs.length);
  dirs.reduce((end, d, k) => (dirEnds[k] = end + d.length), 0);
  const digests = Buffer.alloc(paths.length * 64);
  for (let i = 0; i < paths.length; i++) digests.fill(i, i * 64, i * 64 + 64);
  return { dirOf, startOf, lengthOf, arena: [Buffer.from(names, 'latin1')], dirs: Buffer.from(dirs.join(''), 'latin1'), dirEnds, digests: [digests] };
}
const hex = (i: number) => i.toString(16).padStart(2, '0').repeat(64);

describe('writeDigestLines', () => {
  const l = layout([['a/', 'x'], ['', 'top'], ['a/', 'y\\z'], ['b/', '\xe9']]);

  it('writes GNU and BSD lines in the order given, and stops before a path that must be escaped', () => {
    const out = Buffer.alloc(4096);
    const gnu = write(new Uint32Array([1, 0, 3, 2]), 0, l, false, out);
    expect(gnu).toEqual({ next: 3, written: gnu.written, byJs: true });
    expect(out.toString('latin1', 0, gnu.written)).toBe(`${hex(1)}  top\n${hex(0)}  a/x\n${hex(3)}  b/\xe9\n`);
    const bsd = write(new Uint32Array([2, 0]), 1, l, true, out);
    expect(bsd).toEqual({ next: 2, written: 8 + 3 + 4 + 128 + 1, byJs: false });
    expect(out.toString('latin1', 0, bsd.written)).toBe(`SHA512 (a/x) = ${hex(0)}\n`);
  });

  it('stops when the block is full, and leaves a line longer than the block to the caller', () => {
    const line = 128 + 2 + 3 + 1;
    const out = Buffer.alloc(line + 10);
    expect(write(new Uint32Array([0, 0]), 0, l, false, out)).toEqual({ next: 1, written: line, byJs: false });
    expect(write(new Uint32Array([0]), 0, l, false, Buffer.alloc(line - 1))).toEqual({ next: 0, written: 0, byJs: true });
    expect(write(new Uint32Array([0]), 1, l, false, out)).toEqual({ next: 1, written: 0, byJs: false });
  });

  it('throws when an index of the layout is out of range', () => {
    const out = Buffer.alloc(4096);
    expect(() => write(new Uint32Array([4]), 0, l, false, out)).toThrow(/out of range/);
    expect(() => write(new Uint32Array([0]), 0, { ...l, dirEnds: new Uint32Array(0) }, false, out)).toThrow(/out of range/);
    expect(() => write(new Uint32Array([0]), 0, { ...l, digests: [] }, false, out)).toThrow(/out of range/);
  });

  it('is null under the node:crypto fallback (digest-tree writes the lines in JS there)', () => {
    expect(fallback.writeDigestLines).toBeNull();
  });
});
