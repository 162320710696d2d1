/**
 * The main side's half of the idle look (idle-look.ts, pool-core idle-spin.ts): after posting to
 * a worker thread whose last answer came back within {@link MAIN_AWAKE_MS} of the post, the main
 * thread's event loop keeps turning (a `setImmediate` chain: libuv then polls for I/O with a zero
 * timeout instead of sleeping) until that worker answers or the time is up. The answer then finds
 * the main thread awake, which saves the dearest part of the round trip on a VM, the wake of a
 * sleeping thread (a sequential 1 MiB move() echo: ~2x the round trips/s with this beside the
 * workers' look, for less CPU in all).
 *
 * Bounds: only while answers have been coming back that quickly (a wait that timed out turns it
 * off for that worker until an answer again comes within the window); only while one answer is
 * expected (a caller awaiting each call before the next); only while a core is left for it once
 * every awake worker has one (the awake slots); and never blocking: everything else on the event
 * loop (I/O, timers, your code) runs as usual between turns, it only does not sleep.
 */
/**
 * The longest the main thread stays awake for an answer it expects. Shorter than the workers'
 * look (250 µs): staying awake costs the main thread's CPU for the whole wait, which pays for
 * itself only while the wait is about what a wake costs (~15-40 µs here); a 100 µs task answered
 * with the main thread awake was 1.5x the calls/s but 1.4x the CPU per call.
 */
export const MAIN_AWAKE_MS = 0.1;

/**
 * A turn of the event loop this much later than the last ends the wait: the main thread was busy
 * (your callbacks, its GC) or preempted, and the answer is likely in by now. Only this wait ends:
 * the main thread's turns are no measure of contention, since its own work runs between them
 * (pausing every thread's looks on such a pause, as an earlier version did, lost the whole gain).
 */
export const MAIN_PREEMPTED_MS = 0.5;

/** The main thread's waits of one thread (all pools): one `setImmediate` chain at most. */
export class MainAwake {
  #until = 0;
  #turning = false;
  #lastTurn = 0;
  /** Workers with an answer expected (posted to, not answered since). */
  #expecting = 0;

  /** @param now the clock, in ms (tests give a scripted one, so that a loaded machine's preemptions do not decide them). */
  constructor(
    private readonly slots: { roomForMain(slot: number): boolean },
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether the main thread's event loop is being kept from sleeping now. */
  get turning(): boolean {
    return this.#turning;
  }

  /** The record of one worker (by its awake slot; -1: none, it never keeps the main thread awake). */
  forWorker(slot: number): { posted: () => void; answered: () => void; exited: () => void } {
    let postedAt = -1;
    let worthIt = slot >= 0;
    return {
      posted: () => {
        if (postedAt >= 0) return; // the first post not answered yet is what the answer is timed against
        postedAt = this.now();
        this.#expecting++;
        // Only for a lone answer expected (a caller awaiting each call in turn): with several in
        // flight the main thread has their answers to handle anyway, and staying awake for one
        // took a core from the workers (2 callers of a 100 µs task: 10.5k -> 5.6k calls/s).
        if (worthIt && this.#expecting === 1 && this.slots.roomForMain(slot)) this.#stayAwake(postedAt + MAIN_AWAKE_MS);
      },
      answered: () => {
        if (postedAt < 0) return;
        if (slot >= 0) worthIt = this.now() - postedAt < MAIN_AWAKE_MS;
        postedAt = -1;
        this.#expecting--;
      },
      exited: () => {
        if (postedAt < 0) return;
        postedAt = -1;
        this.#expecting--;
      },
    };
  }

  #stayAwake(until: number): void {
    if (until > this.#until) this.#until = until;
    if (this.#turning) return;
    this.#turning = true;
    this.#lastTurn = this.now();
    setImmediate(this.#turn);
  }

  readonly #turn = (): void => {
    const now = this.now();
    // Stops after a long pause since the last turn (MAIN_PREEMPTED_MS), once the answer came, or
    // another is expected too, or the workers that woke meanwhile need every core but the main thread's.
    if (now - this.#lastTurn <= MAIN_PREEMPTED_MS && this.#expecting === 1 && now < this.#until && this.slots.roomForMain(-1)) {
      this.#lastTurn = now;
      setImmediate(this.#turn);
      return;
    }
    this.#turning = false;
  };
}
