import { describe, expect, it } from 'vitest';
import { HeldBatches } from '../src/held-batches.js';
import { makeBatch, type Batch, type Job } from '../src/job.js';

const job = { label: 'test', settled: false, deliver() {}, fail() {} } as Job;
const address = { module: 'file:///t.js', name: 't' };
const batch = (id: number, task = 0): Batch => Object.assign(makeBatch(job, address, true, [[]], 0, 0), { id, task });

describe('HeldBatches', () => {
  it('one at a time: takes only the head; any other id is refused (a protocol error)', () => {
    const held = new HeldBatches(false);
    held.push(batch(1));
    held.push(batch(2));
    expect(held.take(2)).toBeUndefined();
    expect(held.take(1)?.id).toBe(1);
    expect(held.peek()?.id).toBe(2);
    expect(held.length).toBe(1);
    expect(held.blocking).toBe(0);
  });

  it('out of order: takes any held id once; the head is always the oldest batch not answered', () => {
    const held = new HeldBatches(true);
    for (let id = 1; id <= 5; id++) held.push(batch(id));
    expect(held.take(3)?.id).toBe(3);
    expect(held.take(3)).toBeUndefined(); // twice: refused
    expect(held.take(9)).toBeUndefined();
    expect(held.take(1)?.id).toBe(1);
    expect(held.peek()?.id).toBe(2);
    expect(held.take(2)?.id).toBe(2);
    expect(held.peek()?.id).toBe(4); // 3 was answered already: skipped
    expect(held.length).toBe(2);
    expect(held.drain().map((b) => b.id)).toEqual([4, 5]);
    expect(held.length).toBe(0);
    expect(held.peek()).toBeUndefined();
  });

  it('a batch that never finishes while 100,000 others do keeps memory bounded', () => {
    const held = new HeldBatches(true);
    held.push(batch(0)); // hangs
    for (let id = 1; id <= 100_000; id++) {
      held.push(batch(id));
      expect(held.take(id)?.id).toBe(id);
    }
    expect(held.length).toBe(1);
    expect(held.retained).toBeLessThanOrEqual(2 * held.length + 32);
    expect(held.peek()?.id).toBe(0);
  });

  it('counts batches that may block, until they are answered or their task is known to be async', () => {
    const held = new HeldBatches(true);
    held.push(batch(1, 7), true);
    held.push(batch(2, 8), true);
    held.push(batch(3, 7), false);
    expect(held.blocking).toBe(2);
    held.unblock(7);
    expect(held.blocking).toBe(1);
    held.take(2);
    expect(held.blocking).toBe(0);
  });
});
