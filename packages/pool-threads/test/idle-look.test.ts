import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParentMessage } from '@mpool/pool-core';
import { AWAKE_SLOTS, AwakeSlots, idleLookOf } from '../src/idle-look.js';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

const asMessage = (m: unknown) => m as ParentMessage;

/** A channel whose sender bumps the wake count after each post, as ThreadTransport does. */
function rig(slots = new AwakeSlots()) {
  const channel = new MessageChannel();
  channels.push(channel);
  const worker = slots.forWorker();
  const look = idleLookOf(channel.port2, worker.workerData, asMessage)!;
  const post = (value: unknown) => {
    channel.port1.postMessage(value);
    worker.bump();
  };
  return { look, post, port: channel.port2, worker, channel };
}

describe('the idle look of a worker thread (idle-look.ts)', () => {
  it('hands out what was posted, in order, then nothing', () => {
    const { look, post } = rig();
    expect(look.receive()).toBeUndefined();
    post('a');
    post({ b: 2 });
    post(3);
    expect([look.receive(), look.receive(), look.receive()]).toEqual(['a', { b: 2 }, 3]);
    expect(look.receive()).toBeUndefined();
  });

  it('loses nothing when the port listener took some messages first', () => {
    const { look, post, port } = rig();
    post('first');
    post('second');
    expect(look.receive()).toBe('first');
    // The worker's 'message' listener got this one by the event loop.
    expect(receiveMessageOnPort(port)?.message).toBe('second');
    expect(look.receive()).toBeUndefined();
    post('third');
    expect(look.receive()).toBe('third');
    expect(look.receive()).toBeUndefined();
  });

  it('does not look at the port while the wake count did not move', () => {
    const { look, worker, channel } = rig();
    channel.port1.postMessage('not counted');
    expect(look.receive()).toBeUndefined();
    // Still there for the port's listener.
    expect(receiveMessageOnPort(channel.port2)?.message).toBe('not counted');
    worker.bump();
    channel.port1.postMessage('counted');
    expect(look.receive()).toBe('counted');
  });

  it('leaves a core to the main thread and to every other awake worker of the pool', () => {
    const slots = new AwakeSlots();
    const workers = Array.from({ length: availableParallelism() }, () => rig(slots));
    const most = availableParallelism() - 1; // the main thread keeps one core
    workers[0]!.look.setAwake(true);
    expect(workers[0]!.look.roomToLook()).toBe(most >= 1);
    for (let i = 1; i < workers.length; i++) workers[i]!.look.setAwake(true);
    // Every core is taken by an awake worker or the main thread: nobody may look.
    expect(workers[0]!.look.roomToLook()).toBe(false);
    for (let i = 1; i < workers.length; i++) workers[i]!.look.setAwake(false);
    expect(workers[0]!.look.roomToLook()).toBe(most >= 1);
  });

  it('nobody looks while the program has more worker threads than cores', () => {
    const slots = new AwakeSlots();
    const cores = availableParallelism();
    const workers = Array.from({ length: cores }, () => rig(slots));
    workers[0]!.look.setAwake(true);
    expect(workers[0]!.look.roomToLook()).toBe(cores - 1 >= 1);
    const extra = rig(slots); // one more worker than cores, asleep
    expect(workers[0]!.look.roomToLook()).toBe(false);
    expect(slots.roomForMain(-1)).toBe(false);
    extra.worker.exited();
    expect(workers[0]!.look.roomToLook()).toBe(cores - 1 >= 1);
  });

  it('a worker that exits while awake gives its slot back cleared', () => {
    const slots = new AwakeSlots();
    const a = rig(slots);
    a.look.setAwake(true);
    a.worker.exited(); // killed while awake (abort, crash)
    const b = rig(slots); // the replacement takes the same slot
    expect(b.worker.workerData.mpoolAwakeSlot).toBe(a.worker.workerData.mpoolAwakeSlot);
    b.look.setAwake(true);
    expect(b.look.roomToLook()).toBe(availableParallelism() - 1 >= 1);
  });

  it(`a pool's workers beyond ${AWAKE_SLOTS} never look (no slot), and the others still can`, () => {
    const slots = new AwakeSlots();
    const handed = Array.from({ length: AWAKE_SLOTS }, () => slots.forWorker());
    const extra = slots.forWorker();
    expect(extra.workerData.mpoolAwakeSlot).toBe(-1);
    const channel = new MessageChannel();
    channels.push(channel);
    expect(idleLookOf(channel.port2, extra.workerData, asMessage)).toBeUndefined();
    handed[0]!.exited();
    expect(slots.forWorker().workerData.mpoolAwakeSlot).toBe(handed[0]!.workerData.mpoolAwakeSlot);
  });

  it('no look without its buffers in workerData', () => {
    const channel = new MessageChannel();
    channels.push(channel);
    expect(idleLookOf(channel.port2, undefined, asMessage)).toBeUndefined();
    expect(idleLookOf(channel.port2, { mpoolWakeCount: 1 }, asMessage)).toBeUndefined();
  });
});
