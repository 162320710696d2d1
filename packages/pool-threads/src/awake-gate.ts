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
 * - a "contended" deadline: a worker whose look found itself preempted (the OS gave its core to
 *   another thread, of this program or not) turns staying awake off for every thread for
 *   {@link CONTENDED_BACKOFF_MS}, so that on a machine kept busy by other programs looks take
 *   little of the cores. A fixed pause, not a growing one: an earlier backoff that doubled for
 *   each preemption within a second (up to 6.4 s) lost the whole gain on a quiet machine, where
 *   a look is preempted a few times a second anyway (V8's own GC and compiler threads); on this
 *   machine with two CPU-bound programs beside it, looks cost nothing measurable either way
 *   (sequential calls and bursts of 100k, against a build without looks, within the noise).
 */
import { availableParallelism } from 'node:os';

/** Workers (of all pools of a thread) that get a slot; one beyond this many never looks. */
export const AWAKE_SLOTS = 64;

/** How long staying awake stays off for every thread after a worker's look was preempted. */
export const CONTENDED_BACKOFF_MS = 50;

/** The cores this process may use (read once: it is a system call). */
const CORES = availableParallelism();

const LIVE = AWAKE_SLOTS; // Int32 index of the live-worker count
const DEADLINE_AT = 8 * Math.ceil((4 * (AWAKE_SLOTS + 1)) / 8); // byte offset of a Float64 (Date.now() ms): contended until
const BYTES = DEADLINE_AT + 8;

/** One view of the shared gate (the main thread's, or a worker's over the buffer it was given). */
export class AwakeGate {
  readonly #ints: Int32Array;
  /** [contended until]; plain (not atomic) reads and writes: a heuristic, and an aligned float64 is never torn on the platforms Node runs on. */
  readonly #deadline: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(BYTES)) {
    if (buffer.byteLength !== BYTES) throw new RangeError(`AwakeGate: a buffer of ${BYTES} bytes is needed, got ${buffer.byteLength}`);
    this.#ints = new Int32Array(buffer, 0, AWAKE_SLOTS + 1);
    this.#deadline = new Float64Array(buffer, DEADLINE_AT, 1);
  }

  setAwake(slot: number, awake: boolean): void {
    Atomics.store(this.#ints, slot, awake ? 1 : 0);
  }

  /** A worker started (`+1`) or exited (`-1`, its slot cleared). */
  live(slot: number, delta: 1 | -1): void {
    if (delta < 0 && slot >= 0) this.setAwake(slot, false);
    Atomics.add(this.#ints, LIVE, delta);
  }

  /** A worker's look was preempted: nobody stays awake for a while (see the file comment). */
  contended(): void {
    this.#deadline[0] = Date.now() + CONTENDED_BACKOFF_MS;
  }

  /**
   * Whether one more thread may stay awake: besides the awake workers (and `extra` more that are
   * about to be), a core is left for the main thread; no more workers than cores; no contention seen lately.
   */
  room(extra: 0 | 1): boolean {
    if (Atomics.load(this.#ints, LIVE) > CORES || Date.now() < this.#deadline[0]!) return false;
    let n = extra;
    for (let i = 0; i < AWAKE_SLOTS; i++) n += Atomics.load(this.#ints, i);
    return n <= CORES - 1;
  }

  /** Whether worker `slot` is marked awake. */
  isAwake(slot: number): boolean {
    return Atomics.load(this.#ints, slot) === 1;
  }
}
