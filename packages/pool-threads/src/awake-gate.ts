/**
 * Whether a thread of this program may stay awake for a message instead of sleeping (a worker's
 * idle look, the main thread's short wait: idle-look.ts, main-awake.ts), shared by the main thread
 * and every worker thread of its pools through one SharedArrayBuffer:
 * - one awake slot per worker (1: it has work or is looking), so that staying awake never takes a
 *   core another thread of the program needs: the awake workers leave one core for the main
 *   thread. The main side clears a worker's slot when it exits (a crash or abort never leaves it set);
 * - how many worker threads are alive: with more of them than cores, the cores are oversubscribed
 *   whenever they work, and nobody stays awake (4 workers with a call each on 2 cores ran at 0.6x
 *   with looks);
 * - a "contended" deadline: a thread that found itself preempted while it stayed awake (another
 *   thread, of this program or not, wanted its core) turns staying awake off for every thread,
 *   for {@link CONTENDED_BACKOFF_MS} doubled at each such event that follows the last within
 *   {@link CONTENDED_MEMORY_MS} (up to 2^7 times: 6.4 s), so on a machine kept busy by other
 *   programs it soon stays off. There, a look that keeps a core can slow the very thread that is
 *   to send the next task (one such run went 26k -> 4k calls/s).
 */
import { availableParallelism } from 'node:os';

/** Workers (of all pools of a thread) that get a slot; one beyond this many never looks. */
export const AWAKE_SLOTS = 64;

/** How long staying awake stays off after a thread that stayed awake was preempted (the first time). */
export const CONTENDED_BACKOFF_MS = 50;
/** A preemption this long after the previous one starts the backoff from the first step again. */
export const CONTENDED_MEMORY_MS = 1000;
const MAX_DOUBLINGS = 7;

/** The cores this process may use (read once: it is a system call). */
const CORES = availableParallelism();

const LIVE = AWAKE_SLOTS; // Int32 index of the live-worker count
const DOUBLINGS = AWAKE_SLOTS + 1; // Int32 index of the backoff's step
const TIMES_AT = 4 * (AWAKE_SLOTS + 2); // byte offset of two Float64s (Date.now() ms): the deadline, the last preemption
const BYTES = TIMES_AT + 16;

/** One view of the shared gate (the main thread's, or a worker's over the buffer it was given). */
export class AwakeGate {
  readonly #ints: Int32Array;
  /** [deadline, last preemption]; plain (not atomic) reads and writes: a heuristic, and an aligned float64 is never torn on the platforms Node runs on. */
  readonly #times: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(BYTES)) {
    if (buffer.byteLength !== BYTES) throw new RangeError(`AwakeGate: a buffer of ${BYTES} bytes is needed, got ${buffer.byteLength}`);
    this.#ints = new Int32Array(buffer, 0, AWAKE_SLOTS + 2);
    this.#times = new Float64Array(buffer, TIMES_AT, 2);
  }

  setAwake(slot: number, awake: boolean): void {
    Atomics.store(this.#ints, slot, awake ? 1 : 0);
  }

  /** A worker started (`+1`) or exited (`-1`, its slot cleared). */
  live(slot: number, delta: 1 | -1): void {
    if (delta < 0 && slot >= 0) this.setAwake(slot, false);
    Atomics.add(this.#ints, LIVE, delta);
  }

  /** A thread that stayed awake was preempted: nobody stays awake for a while (see the file comment). */
  contended(): void {
    const now = Date.now();
    const doublings = now - this.#times[1]! > CONTENDED_MEMORY_MS ? 0 : Math.min(MAX_DOUBLINGS, Atomics.load(this.#ints, DOUBLINGS) + 1);
    Atomics.store(this.#ints, DOUBLINGS, doublings);
    this.#times[1] = now;
    this.#times[0] = now + CONTENDED_BACKOFF_MS * 2 ** doublings;
  }

  /**
   * Whether one more thread may stay awake: besides the awake workers (and `extra` more that are
   * about to be), a core is left for the main thread; no more workers than cores; no contention seen lately.
   */
  room(extra: 0 | 1): boolean {
    if (Atomics.load(this.#ints, LIVE) > CORES || Date.now() < this.#times[0]!) return false;
    let n = extra;
    for (let i = 0; i < AWAKE_SLOTS; i++) n += Atomics.load(this.#ints, i);
    return n <= CORES - 1;
  }

  /** Whether worker `slot` is marked awake. */
  isAwake(slot: number): boolean {
    return Atomics.load(this.#ints, slot) === 1;
  }
}
