/**
 * The side channel of big views (side-channel.ts): order and early bytes on an in-memory pair,
 * then the real thing: big payloads both ways, and kill -9 in the middle of a transfer leaving no
 * file descriptor and no temporary file behind.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { move, WorkerCrashedError } from '../src/index.js';
import { SideChannel } from '../src/side-channel.js';
import { SIDE_MIN_BYTES } from '../src/wire-codec.js';
import { bigBytes, identity, pid } from './fixtures/tasks.js';
import { duplexPair, sleep, trackedPools } from './helpers.js';

const MiB = 1 << 20;
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function channelPair() {
  const { a, b } = duplexPair();
  const delivered: unknown[] = [];
  const sender = new SideChannel(a, () => undefined);
  const receiver = new SideChannel(b, (msg) => delivered.push(msg));
  const wires: Array<string | Buffer> = [];
  const send = (msg: unknown) => sender.send(msg, (wire) => wires.push(wire));
  return { send, wires, receiver, delivered };
}

const openFds = () => readdirSync('/proc/self/fd').length;
const shmEntries = () => new Set(readdirSync('/dev/shm'));

describe('side channel [backend: procs]', () => {
  it('views from SIDE_MIN_BYTES leave the message; a message waits for its bytes, and later messages wait behind it', async () => {
    const { send, wires, receiver, delivered } = channelPair();
    const big = Buffer.alloc(SIDE_MIN_BYTES, 1);
    send({ n: 1, big, small: Buffer.alloc(SIDE_MIN_BYTES - 1, 2) });
    send({ n: 2 });
    // The small view stayed inline, the big one left the message.
    expect(wires[0]!.length).toBeGreaterThan(SIDE_MIN_BYTES - 1);
    expect(wires[0]!.length).toBeLessThan(SIDE_MIN_BYTES + 1024);
    // The IPC messages come first here, before any byte was read: nothing may be delivered yet.
    receiver.receive(wires[0]);
    receiver.receive(wires[1]);
    expect(delivered).toEqual([]);
    await tick();
    expect(delivered).toEqual([{ n: 1, big, small: Buffer.alloc(SIDE_MIN_BYTES - 1, 2) }, { n: 2 }]);
    const got = delivered[0] as { big: Buffer };
    expect(Buffer.isBuffer(got.big) && got.big.byteOffset === 0 && got.big.buffer.byteLength === SIDE_MIN_BYTES).toBe(true);
  });

  it('bytes that come before their message wait for it; several big views of several messages keep their order', async () => {
    const { send, wires, receiver, delivered } = channelPair();
    const values = [0, 1, 2].map((i) => ({ i, a: new Float64Array(8192).fill(i), b: [new Uint16Array(40_000).fill(i + 10)] }));
    for (const v of values) send(v);
    await tick(); // all bytes are read before any IPC message arrives
    expect(delivered).toEqual([]);
    for (const wire of wires) receiver.receive(wire);
    expect(delivered).toEqual(values);
  });

  it('a moved view is written without a copy and detached from the sender; a copied one is snapshot at send time', async () => {
    const { send, wires, receiver, delivered } = channelPair();
    const moved = move(new Uint8Array(SIDE_MIN_BYTES * 2).fill(7));
    const copied = new Uint8Array(SIDE_MIN_BYTES * 2).fill(8);
    send({ moved, copied });
    expect(moved.byteLength).toBe(0);
    copied.fill(9); // after the call: must not change what was sent
    receiver.receive(wires[0]);
    await tick();
    const got = delivered[0] as { moved: Uint8Array; copied: Uint8Array };
    expect(got.moved.every((b) => b === 7) && got.moved.length === SIDE_MIN_BYTES * 2).toBe(true);
    expect(got.copied.every((b) => b === 8)).toBe(true);
  });

  describe('over a real child', () => {
    const { makePool } = trackedPools();

    it('64 MiB both ways, copied and moved, arrive intact', async () => {
      const pool = makePool();
      const big = Buffer.alloc(64 * MiB, 3);
      big[12345] = 99;
      const back = await pool.apply(identity, [big]);
      expect(Buffer.compare(back, big)).toBe(0);
      const movedBack = await pool.apply(identity, [move(big)]);
      expect(big.byteLength).toBe(0);
      expect(movedBack.length).toBe(64 * MiB);
      expect(movedBack[12345]).toBe(99);
      expect((await pool.apply(bigBytes, [32 * MiB, 5])).every((b: number) => b === 5)).toBe(true);
    });

    for (const direction of ['parent → child', 'child → parent']) {
      it(`kill -9 during a 256 MiB ${direction} transfer: the task fails, no fd or temporary file is left, the next big payload works`, async () => {
        const fdsBefore = openFds();
        const shmBefore = shmEntries();
        const pool = makePool();
        const victim = await pool.apply(pid);
        const call =
          direction === 'parent → child' ? pool.applyAsync(identity, [Buffer.alloc(256 * MiB, 1)]) : pool.applyAsync(bigBytes, [256 * MiB, 1]);
        await sleep(direction === 'parent → child' ? 30 : 400); // the child→parent case must first allocate its result
        process.kill(victim, 'SIGKILL');
        const error = await call.get(30_000).then(
          () => expect.unreachable('the call should fail'),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(WorkerCrashedError);
        expect((error as WorkerCrashedError).signal).toBe('SIGKILL');
        const after = await pool.apply(identity, [Buffer.alloc(8 * MiB, 4)]);
        expect(after.length === 8 * MiB && after.every((b: number) => b === 4)).toBe(true);
        await pool.terminate();
        expect(openFds()).toBeLessThanOrEqual(fdsBefore);
        expect([...shmEntries()].filter((name) => !shmBefore.has(name))).toEqual([]);
      }, 60_000);
    }
  });
});
