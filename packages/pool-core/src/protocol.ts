/**
 * The wire messages between the engine (main side) and {@link serve} (worker side), as
 * discriminated unions on `type`. Every value in them is structured-cloneable, so any transport
 * that can carry structured clones (worker_threads, `fork` with advanced serialization, a
 * broker later) can carry them unchanged.
 */
import type { SerializedError } from './errors.js';

/** Where a task function lives: the URL of the module that declares it and its name there. */
export interface TaskAddress {
  readonly module: string;
  readonly name: string;
}

/** One unit of work: a task applied to each item of a chunk. */
export interface WireBatch {
  /** Unique per pool; replies name it. */
  id: number;
  /** Index into the task table the worker was sent in `define` entries. */
  task: number;
  /** `true`: each item is an argument list (`apply`, `starmap`); `false`: the item is the argument. */
  spread: boolean;
  items: unknown[];
  /** What `currentWorkerId()` returns while this batch runs, when not the worker's own id (relayed work). */
  as?: number;
}

/** Main → worker. */
export type ParentMessage =
  | {
      type: 'init';
      workerId: number;
      initializer: TaskAddress | null;
      initargs: unknown[];
      /**
       * How many batches the worker may run at once (`concurrentTasksPerWorker`): batches whose
       * task returns a promise overlap; synchronous ones still run one after another.
       */
      concurrentTasksPerWorker: number;
    }
  | {
      type: 'run';
      /** Task table entries this worker has not been sent before. */
      define: Array<{ index: number; address: TaskAddress }>;
      /**
       * Started in order, one after another (up to `concurrentTasksPerWorker` at once when they
       * return promises); each batch is answered by its own reply, in the order they finish.
       */
      batches: WireBatch[];
    }
  | { type: 'exit' };

/** Worker → main. */
export type WorkerMessage =
  | { type: 'ready' }
  /**
   * Task `task` returned a promise in this worker (sent once per task, only when
   * `concurrentTasksPerWorker` > 1): its batches leave the worker free to start others.
   */
  | { type: 'async'; task: number }
  | { type: 'init-failed'; error: SerializedError }
  | { type: 'done'; id: number; values: unknown[] }
  /** `values` holds the results of the items before the one that failed. */
  | { type: 'failed'; id: number; values: unknown[]; error: SerializedError }
  /** Several replies coalesced into one message (sent when tasks are short). */
  | { type: 'replies'; replies: Array<BatchReply> };

/** The answer to one batch: its values, or the values before the failing item plus the error. */
export type BatchReply = Extract<WorkerMessage, { type: 'done' | 'failed' }>;
