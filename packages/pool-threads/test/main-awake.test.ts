import { describe, expect, it } from 'vitest';
import { MAIN_AWAKE_MS, MainAwake } from '../src/main-awake.js';

/** Lets pending setImmediate callbacks run. */
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A MainAwake over scripted room and a scripted clock (every read advances it 1 µs; tests move it further). */
function rig() {
  const room = { main: true };
  const clock = { t: 1000 };
  const awake = new MainAwake({ roomForMain: () => room.main }, () => (clock.t += 0.001));
  return { awake, room, clock };
}

describe('the main thread staying awake for an answer it expects (main-awake.ts)', () => {
  it('turns the event loop from a post until the answer, then stops', async () => {
    const { awake } = rig();
    const w = awake.forWorker(0);
    w.posted();
    expect(awake.turning).toBe(true);
    w.answered();
    await turns(2);
    expect(awake.turning).toBe(false);
  });

  it('stops after the window without an answer, and then no longer stays awake for that worker', async () => {
    const { awake, clock, room } = rig();
    const w = awake.forWorker(0);
    const began = clock.t;
    w.posted();
    while (awake.turning) await turns(1);
    expect(clock.t - began).toBeGreaterThanOrEqual(MAIN_AWAKE_MS);
    clock.t += 2;
    w.answered(); // late: over the window
    w.posted();
    const afterLate = awake.turning;
    w.answered(); // quick this time (nothing in between, not even an expect): the next post stays awake again
    w.posted();
    expect(afterLate).toBe(false);
    expect(awake.turning).toBe(true);
    w.answered();
    await turns(2);
    expect(awake.turning).toBe(false);
  });

  it('only for a lone answer expected: a second post in flight stops it', async () => {
    const { awake } = rig();
    const a = awake.forWorker(0);
    const b = awake.forWorker(1);
    a.posted();
    b.posted();
    await turns(2);
    expect(awake.turning).toBe(false);
    a.answered();
    b.answered();
    const c = awake.forWorker(2); // (a and b answered late for the window: they no longer qualify)
    c.posted(); // lone again
    expect(awake.turning).toBe(true);
    c.answered();
    await turns(2);
    expect(awake.turning).toBe(false);
  });

  it('not when the awake workers need every core but the main thread, nor once they do', async () => {
    const { awake, room } = rig();
    const w = awake.forWorker(0);
    room.main = false;
    w.posted();
    const withoutRoom = awake.turning;
    w.answered();
    room.main = true;
    w.posted();
    expect(withoutRoom).toBe(false);
    expect(awake.turning).toBe(true);
    room.main = false; // another worker woke meanwhile
    await turns(2);
    expect(awake.turning).toBe(false);
    w.answered();
  });

  it('a worker that exits with an answer expected no longer counts as expected', async () => {
    const { awake } = rig();
    const gone = awake.forWorker(0);
    const next = awake.forWorker(1);
    gone.posted();
    gone.exited();
    await turns(2);
    expect(awake.turning).toBe(false);
    next.posted(); // the only answer expected now
    expect(awake.turning).toBe(true);
    next.answered();
    await turns(2);
  });

  it('a turn that comes late (preempted, or the loop busy with other callbacks) ends this wait, and only this one', async () => {
    const { awake, clock } = rig();
    const w = awake.forWorker(0);
    w.posted();
    expect(awake.turning).toBe(true);
    clock.t += 1; // the next turn comes 1 ms later
    await turns(2);
    expect(awake.turning).toBe(false);
    w.answered();
    const v = awake.forWorker(1); // another worker's next call still keeps the main thread awake
    v.posted();
    expect(awake.turning).toBe(true);
    v.answered();
    await turns(2);
    expect(awake.turning).toBe(false);
  });

  it('a worker without an awake slot never keeps the main thread awake', () => {
    const { awake } = rig();
    const w = awake.forWorker(-1);
    w.posted();
    const turning = awake.turning;
    w.answered();
    expect(turning).toBe(false);
  });

  it('repeated posts before the answer count once', async () => {
    const { awake } = rig();
    const w = awake.forWorker(0);
    w.posted();
    w.posted(); // a second message to the same worker (prefetch): still one answer awaited
    expect(awake.turning).toBe(true);
    w.answered();
    await turns(2);
    expect(awake.turning).toBe(false);
    const other = awake.forWorker(1);
    other.posted();
    expect(awake.turning).toBe(true); // nothing left counted for w
    other.answered();
    await turns(2);
  });
});
