/**
 * What the engine knows about a piece of submitted work. Like CPython's result objects, every job
 * kind differs only in how it takes the outcome of one batch (`deliver` / `fail`).
 */
import type { BatchReply, TaskAddress } from './protocol.js';

/** One chunk of a job's items, queued in the engine and then held by one worker. */
export interface Batch {
  readonly job: Job;
  readonly address: TaskAddress;
  readonly spread: boolean;
  readonly items: unknown[];
  /** Wire id, set when the batch is sent to a worker. */
  id: number;
  /** Index of its task in the engine's task table, set when the batch is sent. */
  task: number;
  /** performance.now() when it was queued (for `pool.stats().waitTime`; 0 when stats are off). */
  queuedAt: number;
  /** Position of this batch within its job (0, 1, 2, ...). */
  readonly seq: number;
  /** Index of the batch's first item within the job's input. */
  readonly start: number;
  /**
   * The job that must have the worker to itself while this batch is there (a job with an
   * AbortSignal, see Engine.submit), or null: the batch may share a worker with any other.
   */
  solo: Job | null;
  /**
   * The worker id the task sees (`currentWorkerId()`), when it is not the id of the worker that
   * runs it: a relayed batch (see relay.ts) names the pool slot it was sent for on the caller.
   */
  as?: number;
}

/** A piece of submitted work; each kind (apply, map, imap) takes its batches' outcomes its own way. */
export interface Job {
  /** The call that made it, for messages (`applyAsync`, `map`, `imap`, ...). */
  readonly label: string;
  /** True once the job needs no more results (settled, failed, aborted, or its consumer left). */
  readonly settled: boolean;
  /** All items of `batch` succeeded. */
  deliver(batch: Batch, values: unknown[]): void;
  /**
   * `batch` failed after producing `values` for its first items, or the whole job failed
   * (`batch === null`, e.g. the pool was terminated).
   */
  fail(batch: Batch | null, values: unknown[], error: unknown): void;
  /**
   * When present, takes a worker's reply to one of its batches as it came, instead of `deliver` /
   * `fail` (a relay passes replies on untouched: see relay.ts).
   */
  takeReply?(batch: Batch, reply: BatchReply): void;
  /**
   * Stop reading input (the pool is being disposed): what was submitted still completes, and a
   * reader gets `error` where the input was cut. Only jobs that read input lazily have it.
   */
  stopInput?(error: Error): void;
}

/** A batch of `items` for `job`, not yet sent. */
export function makeBatch(job: Job, address: TaskAddress, spread: boolean, items: unknown[], seq: number, start: number): Batch {
  return { job, address, spread, items, seq, start, id: 0, task: -1, queuedAt: 0, solo: null };
}
