/**
 * One pending `join()`. Besides its own timeout, it has a way out of the one wait that nothing
 * else could end: a closed pool whose only work left is an imap nobody reads (or a map input that
 * never ends) has idle, unref'd workers, so Node would exit in the middle of `await pool.join()`
 * with code 13 and no message. When Node is about to exit ('beforeExit': nothing else can run,
 * so nobody can ever read that imap), such a join rejects with an error that says what it waits for.
 */
import { PoolStateError, TimeoutError } from './errors.js';

const pending = new Set<JoinWaiter>();

function onBeforeExit(): void {
  for (const waiter of [...pending]) waiter.stuck();
}

export class JoinWaiter {
  #timer: NodeJS.Timeout | undefined;
  #done = false;

  /**
   * @param whyStuck what the pool still waits for, for the error (called only at 'beforeExit').
   * @param onEnd called once when this waiter settles, however it settles.
   */
  constructor(
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
    timeoutMs: number | undefined,
    private readonly whyStuck: () => string,
    private readonly onEnd: (waiter: JoinWaiter) => void,
  ) {
    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      this.#timer = setTimeout(() => this.#settle(new TimeoutError(`join(): workers still running after ${timeoutMs} ms`, timeoutMs)), timeoutMs);
    }
    if (pending.size === 0) process.on('beforeExit', onBeforeExit);
    pending.add(this);
  }

  /** The pool drained: resolve. */
  done(): void {
    this.#settle(null);
  }

  /** Node is about to exit with this join pending. */
  stuck(): void {
    this.#settle(new PoolStateError(`join() can never finish: ${this.whyStuck()}`));
  }

  #settle(error: Error | null): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    pending.delete(this);
    if (pending.size === 0) process.off('beforeExit', onBeforeExit);
    this.onEnd(this);
    if (error) this.reject(error);
    else this.resolve();
  }
}
