/**
 * The side file of big views (side-file.ts): its ring (room, acknowledgements, starting over,
 * undoing a message), two channel ends sharing one file (no socket bytes, the value at call time,
 * the socket once the file is full), recycled moved memory, and a real child that has the file
 * as fd 5 and works without it (`MPOOL_SIDE_FILE=0`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { move } from '../src/index.js';
import { MAX_KEPT, giveBack, takeMemory } from '../src/recycled-memory.js';
import { SideChannel } from '../src/side-channel.js';
import { openSideFile, POSITION_MODULUS, SIDE_FILE_HALF, SideFile } from '../src/side-file.js';
import { SIDE_MIN_BYTES } from '../src/wire-codec.js';
import { identity, sideFileLink } from './fixtures/tasks.js';
import { duplexPair, trackedPools } from './helpers.js';

const MiB = 1 << 20;
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const opened: SideFile[] = [];
afterEach(() => {
  for (const f of opened.splice(0)) f.close();
});

/** Both ends of one new side file (the same fd serves both here: positional reads and writes). */
function ends(parentStart = 0): { parent: SideFile; child: SideFile } {
  const fd = openSideFile();
  if (fd === null) throw new Error('no side file on this machine (these tests need Linux with /dev/shm)');
  const parent = new SideFile(fd, true, parentStart);
  const child = new SideFile(fd, false);
  opened.push(parent);
  return { parent, child };
}


describe('side file [backend: procs]', () => {
  it('a region is read back as written; without an acknowledgement the half fills up, then has no room', () => {
    const { parent, child } = ends();
    const bytes = Buffer.alloc(MiB, 7);
    const first = parent.write(bytes);
    expect(first).toBe(0);
    const back = Buffer.alloc(MiB);
    child.read(first, back);
    expect(back.equals(bytes)).toBe(true);
    expect(child.consumed).toBe(MiB);
    const positions = [first];
    for (let i = 1; i < SIDE_FILE_HALF / MiB; i++) positions.push(parent.write(bytes));
    expect(positions.every((p, i) => p === i * MiB)).toBe(true);
    expect(parent.write(bytes)).toBe(-1); // full: nothing was acknowledged
    parent.acknowledge(2 * MiB); // the child read the first two regions
    expect(parent.write(Buffer.alloc(3 * MiB))).toBe(-1); // 2 MiB free, but only at the start: regions never wrap
    expect(parent.write(bytes)).toBe(SIDE_FILE_HALF); // the start of the half again
    expect(parent.write(Buffer.alloc(SIDE_FILE_HALF + 1))).toBe(-1); // bigger than a half: never
  });

  it('an empty ring starts over at the start of its half; rollback undoes the regions of a message never sent', () => {
    const { parent, child } = ends();
    const a = parent.write(Buffer.alloc(SIDE_MIN_BYTES, 1));
    child.read(a, Buffer.alloc(SIDE_MIN_BYTES));
    parent.acknowledge(child.consumed);
    const b = parent.write(Buffer.alloc(SIDE_MIN_BYTES, 2));
    expect(b % SIDE_FILE_HALF).toBe(0);
    expect(b).toBeGreaterThan(a);
    const mark = parent.mark();
    parent.write(Buffer.alloc(MiB, 3));
    parent.rollback(mark);
    expect(parent.write(Buffer.alloc(MiB, 4))).toBe(b + SIDE_MIN_BYTES); // right after b, as if nothing happened
    // The child's half is separate: its first region is at 0 too, and reading it does not see the parent's bytes.
    const c = child.write(Buffer.alloc(SIDE_MIN_BYTES, 9));
    const back = Buffer.alloc(SIDE_MIN_BYTES);
    parent.read(c, back);
    expect(back.every((x) => x === 9)).toBe(true);
  });

  it('positions wrap around their modulus: regions, acknowledgements and stale reports stay right', () => {
    const { parent, child } = ends(POSITION_MODULUS - SIDE_FILE_HALF);
    const last = parent.write(Buffer.alloc(SIDE_FILE_HALF - MiB, 1));
    expect(last).toBe(POSITION_MODULUS - SIDE_FILE_HALF);
    const end = parent.write(Buffer.alloc(MiB, 2)); // the very end of the position space
    expect(end).toBe(POSITION_MODULUS - MiB);
    child.read(last, Buffer.alloc(SIDE_FILE_HALF - MiB));
    const back = Buffer.alloc(MiB);
    child.read(end, back);
    expect(back.every((x) => x === 2)).toBe(true);
    expect(child.consumed).toBe(0); // the end wrapped to 0
    parent.acknowledge(child.consumed);
    const wrapped = parent.write(Buffer.alloc(MiB, 3));
    expect(wrapped).toBe(0);
    parent.acknowledge(POSITION_MODULUS - MiB); // a stale report (from before the wrap): ignored
    child.read(wrapped, back);
    expect(back.every((x) => x === 3)).toBe(true);
    // Without the child's new report the ring still holds `wrapped`: 15 MiB of room, not 16.
    expect(parent.write(Buffer.alloc(SIDE_FILE_HALF - MiB + 1))).toBe(-1);
    parent.acknowledge(child.consumed);
    expect(parent.write(Buffer.alloc(SIDE_FILE_HALF))).toBe(SIDE_FILE_HALF); // empty again: a whole half
  });

  it('a corrupt position is refused with a clear error', () => {
    const { child } = ends();
    expect(() => child.read(-1, Buffer.alloc(10))).toThrow(/corrupt message \(side file region -1\+10\)/);
    expect(() => child.read(SIDE_FILE_HALF - 5, Buffer.alloc(10))).toThrow(/corrupt message/);
  });

  it('two channel ends over one file: big views take no socket byte, arrive at once, and are the values at call time', () => {
    const { parent, child } = ends();
    const { a, b, written } = duplexPair();
    const delivered: unknown[] = [];
    const sender = new SideChannel(a, () => undefined, parent);
    const receiver = new SideChannel(b, (msg) => delivered.push(msg), child);
    const wires: Array<string | Buffer> = [];
    const copied = new Float64Array(SIDE_MIN_BYTES).fill(1.5);
    const moved = move(new Uint8Array(2 * MiB).fill(6));
    sender.send({ copied, moved, small: Buffer.from('hi') }, (w) => wires.push(w));
    copied.fill(2.5); // after the call: must not change what was sent
    expect(moved.byteLength).toBe(0); // moved: detached from the sender, as on threads
    expect(wires[0]!.length).toBeLessThan(1024);
    receiver.receive(wires[0]);
    expect(written).toEqual([]);
    const got = delivered[0] as { copied: Float64Array; moved: Uint8Array; small: Buffer };
    expect(got.copied.length === SIDE_MIN_BYTES && got.copied.every((x) => x === 1.5)).toBe(true);
    expect(got.moved.length === 2 * MiB && got.moved.every((x) => x === 6)).toBe(true);
    expect(got.moved.buffer.byteLength).toBe(2 * MiB);
    expect(got.small.toString()).toBe('hi');
  });

  it('when the file has no room the socket carries the bytes; acknowledgements ride on the messages back', async () => {
    const { parent, child } = ends();
    const p = duplexPair();
    const toChild: unknown[] = [];
    const toParent: unknown[] = [];
    const parentEnd = new SideChannel(p.a, (m) => toParent.push(m), parent);
    const childEnd = new SideChannel(p.b, (m) => toChild.push(m), child);
    const down: Array<string | Buffer> = [];
    const count = SIDE_FILE_HALF / MiB + 3; // more than the half holds without an acknowledgement
    for (let i = 0; i < count; i++) parentEnd.send({ i, bytes: Buffer.alloc(MiB, i) }, (w) => down.push(w));
    expect(p.written.reduce((x, y) => x + y, 0)).toBe(3 * MiB); // the last three took the socket
    await tick();
    for (const w of down) childEnd.receive(w);
    expect(toChild.map((m) => (m as { i: number }).i)).toEqual([...Array(count).keys()]);
    expect(toChild.every((m) => (m as { i: number; bytes: Buffer }).bytes.every((x) => x === (m as { i: number }).i))).toBe(true);
    // The child's reply says what it read: the parent's half is free again.
    childEnd.send({ done: true }, (w) => parentEnd.receive(w));
    expect(toParent).toEqual([{ done: true }]);
    const before = p.written.length;
    parentEnd.send({ again: Buffer.alloc(MiB, 1) }, (w) => childEnd.receive(w));
    expect(p.written.length).toBe(before); // in the file again
    expect((toChild.at(-1) as { again: Buffer }).again.every((x) => x === 1)).toBe(true);
  });

  it('moved memory written out is reused for the next incoming view of its size, up to MAX_KEPT buffers', () => {
    const memory = new ArrayBuffer(SIDE_MIN_BYTES + 3);
    giveBack(memory);
    expect(takeMemory(SIDE_MIN_BYTES + 4).buffer).not.toBe(memory); // another size: new memory
    const reused = takeMemory(SIDE_MIN_BYTES + 3);
    expect(reused.buffer).toBe(memory);
    expect(reused.byteOffset === 0 && reused.length === SIDE_MIN_BYTES + 3).toBe(true);
    expect(takeMemory(SIDE_MIN_BYTES + 3).buffer).not.toBe(memory); // taken once only
    const many = Array.from({ length: MAX_KEPT + 2 }, () => new ArrayBuffer(SIDE_MIN_BYTES + 5));
    for (const m of many) giveBack(m);
    const back = Array.from({ length: MAX_KEPT + 2 }, () => takeMemory(SIDE_MIN_BYTES + 5).buffer);
    expect(back.filter((m) => many.includes(m as ArrayBuffer)).length).toBe(MAX_KEPT); // the oldest two were let go
  });

  describe('over a real child', () => {
    const { makePool } = trackedPools();

    it('the child has the side file as fd 5 (unlinked at once), and 1 MiB goes both ways, copied and moved', async () => {
      const pool = makePool();
      expect(await pool.apply(sideFileLink)).toMatch(/^\/dev\/shm\/mpool-side-\d+-[0-9a-f]+ \(deleted\)$/);
      let buf = Buffer.alloc(MiB, 5);
      for (let i = 0; i < 20; i++) {
        buf = await pool.apply(identity, [i % 2 === 0 ? buf : move(buf)]);
        expect(buf.length === MiB && buf[0] === 5 && buf[MiB - 1] === 5).toBe(true);
      }
    });

    it('odd sizes around the side threshold and beyond a ring half arrive byte for byte, copied and moved, several per message', async () => {
      const pool = makePool();
      // Each byte depends on its index and the size: a shifted, truncated or mixed-up region shows.
      const patterned = (n: number) => {
        const b = Buffer.allocUnsafeSlow(n);
        for (let i = 0; i < n; i++) b[i] = (i * 31 + n) & 0xff;
        return b;
      };
      const sizes = [SIDE_MIN_BYTES - 1, SIDE_MIN_BYTES, SIDE_MIN_BYTES + 1, MiB + 3, 3 * MiB + 7, SIDE_FILE_HALF + 13];
      for (let round = 0; round < 3; round++) {
        const sent = sizes.map(patterned);
        const args = sent.map((b, i) => ((i + round) % 2 === 0 ? move(Buffer.from(b)) : b));
        const back: Buffer[] = await pool.apply(identity, [args]);
        expect(back.map((b) => b.length)).toEqual(sizes);
        for (let i = 0; i < sizes.length; i++) expect(back[i]!.equals(sent[i]!)).toBe(true);
        // Moved arguments are detached here, copied ones untouched.
        args.forEach((a, i) => expect(a.length).toBe((i + round) % 2 === 0 ? 0 : sizes[i]));
      }
    });

    it('MPOOL_SIDE_FILE=0: no side file, big payloads take the socket and still arrive', async () => {
      const saved = process.env.MPOOL_SIDE_FILE;
      process.env.MPOOL_SIDE_FILE = '0';
      try {
        const pool = makePool();
        expect(await pool.apply(sideFileLink)).toBe(null);
        const back = await pool.apply(identity, [move(Buffer.alloc(4 * MiB, 8))]);
        expect(back.length === 4 * MiB && back.every((x: number) => x === 8)).toBe(true);
      } finally {
        if (saved === undefined) delete process.env.MPOOL_SIDE_FILE;
        else process.env.MPOOL_SIDE_FILE = saved;
      }
    });
  });
});
