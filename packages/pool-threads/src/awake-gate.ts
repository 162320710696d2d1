/**
 * Whether a thread of this program may stay awake for a message instead of sleeping (a worker's
 * idle look, the main thread's short wait: idle-look.ts, main-awake.ts), shared by the main thread
 * and every worker thread of its pools through one SharedArrayBuffer:
 * - one awake slot per worker (1: it has work or is looking), so that staying awake never takes a
 *   core another thread of the program needs: the awake workers leave one core for the main
 *   thread. The main side clears a worker's slot when it exits (a crash or abort never leaves it set);
 * - how many worker threads are alive: with more of them than cores, the cores are oversubscribed
 *   whenever they work, and nobody stays awake (4 workers with a call each on 2 cores ran at 0.6x
 *   with looks).
 *
 * Nothing here turns staying awake off on a machine busy with other programs: on this one, with
 * two CPU-bound programs beside it, looks cost nothing measurable (sequential calls and bursts of
 * 100k against a build without looks, within the noise), while a pause for every thread after a
 * look was preempted (50 ms, or doubling to 6.4 s: earlier versions) lost most of the gain on a
 * quiet machine, where V8's own compiler and GC threads preempt a look a few times a second.
 */
import { availableParallelism } from 'node:os';

/** Workers (of all pools of a thread) that get a slot; one beyond this many never looks. */
export const AWAKE_SLOTS = 64;

/** The cores this process may use (read once: it is a system call). */
const CORES = availableParallelism();

const LIVE = AWAKE_SLOTS; // Int32 index of the live-worker count
const BYTES = 4 * (AWAKE_SLOTS + 1);

/** One view of the shared gate (the main thread's, or a worker's over the buffer it was given). */
export class AwakeGate {
  readonly #ints: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(BYTES)) {
    if (buffer.byteLength !== BYTES) throw new RangeError(`AwakeGate: a buffer of ${BYTES} bytes is needed, got ${buffer.byteLength}`);
    this.#ints = new Int32Array(buffer, 0, AWAKE_SLOTS + 1);
  }

  setAwake(slot: number, awake: boolean): void {
    Atomics.store(this.#ints, slot, awake ? 1 : 0);
  }

  /** A worker started (`+1`) or exited (`-1`, its slot cleared). */
  live(slot: number, delta: 1 | -1): void {
    if (delta < 0 && slot >= 0) this.setAwake(slot, false);
    Atomics.add(this.#ints, LIVE, delta);
  }

  /**
   * Whether one more thread may stay awake: besides the awake workers (and `extra` more that are
   * about to be), a core is left for the main thread; no more workers than cores.
   */
  room(extra: 0 | 1): boolean {
    if (Atomics.load(this.#ints, LIVE) > CORES) return false;
    let n = extra;
    for (let i = 0; i < AWAKE_SLOTS; i++) n += Atomics.load(this.#ints, i);
    return n <= CORES - 1;
  }

  /** Whether worker `slot` is marked awake. */
  isAwake(slot: number): boolean {
    return Atomics.load(this.#ints, slot) === 1;
  }
}
