/**
 * A worker that has just answered its last batch looks for the next message for a short while
 * before it goes to sleep, when its port can take a message without waiting
 * ({@link IdleLook}: worker threads).
 *
 * Why: on this project's KVM machines, waking a sleeping thread is the dearest part of a round
 * trip (the sender's eventfd write pays an inter-processor interrupt: perf puts ~40% of a
 * sequential echo loop in `_raw_spin_unlock_irq` under `eventfd_write` / `epoll_wait`). A worker
 * still awake when the next task comes skips that wake; a raw worker_threads echo of 1 MiB with
 * transfer went from 13-16k to 31-39k round trips/s with a 200 µs look, and spent less CPU per
 * round trip, not more.
 *
 * Bounds, so that it costs little when it does not pay:
 * - It looks at most {@link SPIN_WINDOW_MS} per idle spell, and only while the last idle spell was
 *   shorter than that (the next task came back quickly): after a look that found nothing, the
 *   worker sleeps at once until a task again comes within the window. Calls spaced out in time
 *   cost one wasted look per change of pace, not one per task.
 * - It looks only when a core is left for it ({@link IdleLook.roomToLook}: the pool's other awake
 *   workers and the main thread each keep one), so it never takes a core another thread needs;
 *   a look that finds itself preempted (the OS gave its core to another thread, of this program
 *   or not) ends: that thread wants the core. It pauses only this look: a preemption is no sign
 *   that the next look will be one too (on a quiet machine V8's own compiler and GC threads preempt
 *   a look a few times a second), and pausing every thread's looks for 50 ms after one (an
 *   earlier version) lost most of the latency gain in `pnpm bench`.
 * - It looks from a `setImmediate` callback, one message per event-loop turn: the worker's own
 *   timers, I/O and microtasks (a task's logging, say) still run between tasks, never starve.
 * - Only an idle worker looks (no batch queued or awaiting a promise).
 */
import type { ParentMessage } from './protocol.js';
import type { IdleLook } from './transport.js';

/** The longest look per idle spell. A round trip on the main side (wake + engine) is ~50-150 µs here. */
export const SPIN_WINDOW_MS = 0.25;

/**
 * A pause this long between two polls of a look means the thread was preempted (one poll takes
 * well under a microsecond; the OS takes a contended core away for a time slice, milliseconds):
 * the look stops. Shorter pauses (an interrupt, a page fault) are too common to mean anything:
 * at 50 µs, one event-loop turn in 1,000 had one.
 */
export const PREEMPTED_MS = 0.5;

/** The idle look of one worker (see the file comment). */
export class IdleSpin {
  /** Whether the last idle spell was short (the next look may pay). */
  #worthIt = true;
  /** When the worker last went idle; -1 while it is not idle. */
  #idleSince = -1;
  #scheduled = false;
  /** What this worker last told the others through look.setAwake. */
  #awake = false;

  /** @param now the clock, in ms (tests give a scripted one, so that a loaded machine's preemptions do not decide them). */
  constructor(
    private readonly look: IdleLook,
    private readonly deliver: (msg: ParentMessage) => void,
    private readonly isIdle: () => boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The worker has answered everything it held. */
  idle(): void {
    if (this.#idleSince < 0) this.#idleSince = this.now();
    if (this.#scheduled) return;
    if (this.#worthIt && this.look.roomToLook()) {
      this.#scheduled = true;
      setImmediate(this.#look);
    } else this.#setAwake(false);
  }

  /** A task came by the event loop: it ends the idle spell, which says whether looking pays. */
  arrived(): void {
    this.#setAwake(true);
    if (this.#idleSince < 0) return;
    this.#worthIt = this.now() - this.#idleSince < SPIN_WINDOW_MS;
    this.#idleSince = -1;
  }

  #setAwake(awake: boolean): void {
    if (this.#awake === awake) return;
    this.#awake = awake;
    this.look.setAwake(awake);
  }

  readonly #look = (): void => {
    this.#scheduled = false;
    if (this.#idleSince < 0 || !this.isIdle()) return;
    const end = this.#idleSince + SPIN_WINDOW_MS;
    let last = this.now();
    for (let i = 1; ; i++) {
      const msg = this.look.receive();
      if (msg !== undefined) {
        this.#idleSince = -1;
        // Its batches run now; answering the last one calls idle() again, for the next look.
        this.deliver(msg);
        return;
      }
      const now = this.now();
      if (now - last > PREEMPTED_MS) {
        // The OS gave this core to another thread meanwhile: someone needs it more than this look.
        return this.#setAwake(false);
      }
      last = now;
      if (now >= end) break;
      // Another worker woke meanwhile and needs this core: sleep (the look may still pay next time).
      if ((i & 63) === 0 && !this.look.roomToLook()) return this.#setAwake(false);
    }
    this.#worthIt = false;
    this.#setAwake(false);
  };
}
