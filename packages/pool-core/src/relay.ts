/**
 * Relaying: running a batch that came over a network in a local pool, and getting back exactly
 * what the engine learnt, so that a remote caller's engine can take it as if its own worker had
 * answered. This is how `mpool-worker` (@mpool/pool-bullmq) runs the jobs of a fleet: the batch
 * goes through the local pool's engine unchanged (crash replacement, recycling, initializer and
 * error serialization are the ones every backend has), and the outcome says which of the three
 * things happened: the batch was answered (done or failed), or the worker holding it was lost.
 */
import { isWorkerLoss } from './worker-crew.js';
import { AbortError, InitializerError, serializeError, type SerializedError } from './errors.js';
import { makeBatch, type Batch, type Job } from './job.js';
import type { BatchReply, TaskAddress } from './protocol.js';

/** A batch as a relay receives it. */
export interface RelayedBatch {
  address: TaskAddress;
  spread: boolean;
  items: unknown[];
  /** The worker id the task sees (`currentWorkerId()`): the caller's slot. */
  as?: number;
}

/** What became of a relayed batch; errors are serialized, ready to be sent on. */
export type RelayOutcome =
  | { type: 'done'; values: unknown[] }
  /** A task threw (or a value could not be sent): `values` are the results before that item. */
  | { type: 'failed'; values: unknown[]; error: SerializedError }
  /** The worker running it exited: how, and what it wrote before it died (`cause`), if known. */
  | { type: 'lost'; exitCode: number | null; signal: NodeJS.Signals | null; cause?: SerializedError }
  /** The pool's initializer failed (the pool is broken): the initializer's error. */
  | { type: 'init-failed'; error: SerializedError }
  /** The signal passed to the relay fired. */
  | { type: 'aborted' };

/** @internal The Pool method behind {@link relayBatch}; symbol-keyed, so users never meet it. */
export const RELAY = Symbol('mpool.relay');

/** The part of a Pool that relaying uses. */
export interface Relaying {
  [RELAY](batch: RelayedBatch, signal?: AbortSignal): Promise<RelayOutcome>;
}

/**
 * Runs `batch` in `pool` and resolves with its outcome; never rejects for what a task did. With
 * `signal`, aborting stops the worker running it (as for any call with a signal).
 */
export function relayBatch(pool: Relaying, batch: RelayedBatch, signal?: AbortSignal): Promise<RelayOutcome> {
  return pool[RELAY](batch, signal);
}

/** The engine job of one relayed batch. */
export class RelayJob implements Job {
  readonly label = 'relay';
  settled = false;
  readonly outcome: Promise<RelayOutcome>;
  #resolve!: (outcome: RelayOutcome) => void;

  constructor() {
    this.outcome = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** The batch to submit for `relayed`. */
  batchOf(relayed: RelayedBatch): Batch {
    const batch = makeBatch(this, relayed.address, relayed.spread, relayed.items, 0, 0);
    if (relayed.as !== undefined) batch.as = relayed.as;
    return batch;
  }

  deliver(_batch: Batch, values: unknown[]): void {
    this.#settle({ type: 'done', values });
  }

  /** The worker's reply goes on as it came: the caller's engine builds its errors (it knows where the batch starts). */
  takeReply(_batch: Batch, reply: BatchReply): void {
    this.#settle(reply.type === 'done' ? { type: 'done', values: reply.values } : { type: 'failed', values: reply.values, error: reply.error });
  }

  fail(batch: Batch | null, values: unknown[], error: unknown): void {
    if (isWorkerLoss(error)) {
      const cause = (error as { cause?: unknown }).cause;
      const lost: RelayOutcome = { type: 'lost', exitCode: error.exitCode, signal: error.signal };
      if (cause !== undefined) lost.cause = serializeError(cause);
      return this.#settle(lost);
    }
    // The engine fails a whole job (no batch) for an abort or a broken pool; a task's own errors come with their batch.
    if (batch === null && error instanceof AbortError) return this.#settle({ type: 'aborted' });
    if (batch === null && error instanceof InitializerError) return this.#settle({ type: 'init-failed', error: serializeError(error.cause) });
    this.#settle({ type: 'failed', values, error: serializeError(error) });
  }

  #settle(outcome: RelayOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.#resolve(outcome);
  }
}
