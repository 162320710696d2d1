import { describe, expect, it } from 'vitest';
import { IdleSpin, SPIN_WINDOW_MS } from '../src/idle-spin.js';
import type { ParentMessage } from '../src/protocol.js';

/** Lets pending setImmediate callbacks (the looks) run. */
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};
const msg = (n: number): ParentMessage => ({ type: 'run', define: [], batches: [{ id: n, task: 0, spread: false, items: [] }] });

/**
 * An IdleSpin over a scripted port and a scripted clock: `inbox` is what receive() hands out, one
 * per call (`undefined` = nothing yet); every clock read advances it 1 µs, a `stall` once by more
 * (as if the OS gave the core away), and tests move it to say how long a spell lasted.
 */
function rig(inbox: Array<ParentMessage | undefined> = []) {
  const state = { receives: 0, delivered: [] as ParentMessage[], idle: true, room: true, awake: [] as boolean[], stall: 0 };
  const clock = { t: 1000 };
  const spin = new IdleSpin(
    {
      receive: () => {
        state.receives++;
        clock.t += state.stall;
        state.stall = 0;
        return inbox.shift();
      },
      setAwake: (awake) => state.awake.push(awake),
      roomToLook: () => state.room,
    },
    (m) => state.delivered.push(m),
    () => state.idle,
    () => (clock.t += 0.001),
  );
  return { spin, state, inbox, clock };
}

describe('IdleSpin (the idle worker look, idle-spin.ts)', () => {
  it('takes a message that is waiting when the worker goes idle, and delivers it', async () => {
    const { spin, state } = rig([msg(1)]);
    spin.idle();
    expect(state.receives).toBe(0); // not from inside the caller: from a setImmediate
    await turns();
    expect(state.delivered).toEqual([msg(1)]);
    expect(state.receives).toBe(1);
  });

  it('keeps looking until a message comes within the window, then stops at once', async () => {
    const { spin, state } = rig([undefined, undefined, undefined, msg(2)]);
    spin.idle();
    await turns();
    expect(state.delivered).toEqual([msg(2)]);
    expect(state.receives).toBe(4);
  });

  it('a look that finds nothing lasts the window, then the worker sleeps at once on later idle spells', async () => {
    const { spin, state, clock } = rig();
    const began = clock.t;
    spin.idle();
    await turns(1);
    expect(clock.t - began).toBeGreaterThanOrEqual(SPIN_WINDOW_MS);
    expect(clock.t - began).toBeLessThan(SPIN_WINDOW_MS + 0.01);
    const looked = state.receives;
    expect(looked).toBeGreaterThan(100); // ~2 clock reads of 1 µs per poll over 250 µs
    // The next message came late (by the event loop, after the window): no more looks.
    clock.t += 5;
    spin.arrived();
    spin.idle();
    await turns();
    expect(state.receives).toBe(looked);
  });

  it('looks again once a message comes back within the window', async () => {
    const { spin, state, inbox } = rig();
    spin.idle();
    await turns(); // a fruitless look: looking is off
    const before = state.receives;
    expect(before).toBeGreaterThan(0);
    spin.arrived(); // right after the look took the window: the spell was long, still off
    spin.idle();
    await turns();
    expect(state.receives).toBe(before);
    spin.arrived(); // right after idle(): a short spell
    inbox.push(msg(3));
    spin.idle();
    await turns();
    expect(state.delivered).toEqual([msg(3)]);
    expect(state.receives).toBe(before + 1);
  });

  it('does not look while the worker has work (a batch queued or awaiting a promise)', async () => {
    const { spin, state } = rig([msg(4)]);
    state.idle = false;
    spin.idle();
    await turns();
    expect(state.receives).toBe(0);
    expect(state.delivered).toEqual([]);
  });

  it('a message that came by the event loop before the look ends the idle spell: the look does nothing', async () => {
    const { spin, state } = rig([msg(5)]);
    spin.idle();
    spin.arrived();
    await turns();
    expect(state.receives).toBe(0);
  });

  it('does not look when no core is left for it, and says it sleeps', async () => {
    const { spin, state } = rig([msg(8)]);
    spin.arrived();
    state.room = false;
    spin.idle();
    await turns();
    expect(state.receives).toBe(0);
    expect(state.awake).toEqual([true, false]);
    state.room = true; // the other workers went to sleep: the next idle spell looks
    spin.arrived();
    spin.idle();
    await turns();
    expect(state.delivered).toEqual([msg(8)]);
    expect(state.awake).toEqual([true, false, true]); // awake while it looked and ran what it found
  });

  it('tells the others it is awake while it has work or looks, asleep once a look found nothing', async () => {
    const { spin, state } = rig();
    spin.arrived();
    spin.arrived(); // said once
    expect(state.awake).toEqual([true]);
    spin.idle();
    expect(state.awake).toEqual([true]); // looking counts as awake
    await turns();
    expect(state.awake).toEqual([true, false]);
  });

  it('a look that finds itself preempted stops at once and sleeps', async () => {
    const { spin, state, inbox } = rig();
    spin.arrived();
    state.stall = 1; // > PREEMPTED_MS
    spin.idle();
    await turns();
    expect(state.receives).toBeLessThanOrEqual(2);
    expect(state.awake).toEqual([true, false]);
    // That spell was long (the stall); after a short one it looks again (the gate says when it may).
    spin.arrived();
    spin.idle();
    spin.arrived();
    inbox.push(msg(9));
    spin.idle();
    await turns();
    expect(state.delivered).toEqual([msg(9)]);
  });

  it('schedules one look per idle spell, however often idle() is called', async () => {
    const { spin, state } = rig([msg(6), msg(7)]);
    spin.idle();
    spin.idle();
    spin.idle();
    await turns();
    expect(state.delivered).toEqual([msg(6)]);
  });
});
