import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { newWakeCount, receiverOf, WAKE_COUNT_KEY } from '../src/wake-count.js';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

/** A channel whose sender bumps a wake count after each post, as ThreadTransport does. */
function rig() {
  const channel = new MessageChannel();
  channels.push(channel);
  const count = newWakeCount();
  const receive = receiverOf(channel.port2, count.workerData[WAKE_COUNT_KEY]!);
  const post = (value: unknown) => {
    channel.port1.postMessage(value);
    count.bump();
  };
  return { receive, post, port: channel.port2 };
}

describe('wake count (the idle look of a worker thread, wake-count.ts)', () => {
  it('hands out what was posted, in order, then nothing', () => {
    const { receive, post } = rig();
    expect(receive()).toBeUndefined();
    post('a');
    post({ b: 2 });
    post(3);
    expect([receive(), receive(), receive()]).toEqual(['a', { b: 2 }, 3]);
    expect(receive()).toBeUndefined();
  });

  it('loses nothing when the port listener took some messages first', () => {
    const { receive, post, port } = rig();
    post('first');
    post('second');
    expect(receive()).toBe('first');
    // The worker's 'message' listener got this one by the event loop.
    expect(receiveMessageOnPort(port)?.message).toBe('second');
    expect(receive()).toBeUndefined();
    post('third');
    expect(receive()).toBe('third');
    expect(receive()).toBeUndefined();
  });

  it('does not look at the port while the count did not move', () => {
    const channel = new MessageChannel();
    channels.push(channel);
    const count = newWakeCount();
    const receive = receiverOf(channel.port2, count.workerData[WAKE_COUNT_KEY]!);
    channel.port1.postMessage('not counted');
    expect(receive()).toBeUndefined();
    // Still there for the port's listener.
    expect(receiveMessageOnPort(channel.port2)?.message).toBe('not counted');
    count.bump();
    channel.port1.postMessage('counted');
    expect(receive()).toBe('counted');
  });
});
