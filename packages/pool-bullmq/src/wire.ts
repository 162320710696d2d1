/**
 * What travels between a BullmqPool and the mpool-workers of its queue, and the Redis keys of a
 * fleet. Both sides import this file, so the format is written once.
 *
 * - A **job** (BullMQ's, on the fleet's queue) carries one `run` message of one pool slot: its
 *   batches, each with its task address, and the slot's initializer when the slot is dedicated.
 *   BullMQ stores job data as JSON, so the payload is the processes backend's structured-clone
 *   encoding (Map, Set, BigInt, Date, typed arrays, Buffers, `undefined` survive), in base64.
 * - The **outcome** of a job is pushed, as binary, to the pool's own result list; the pool pops
 *   it. Results never go through BullMQ's events stream, which Redis trims to ~10,000 entries
 *   (a caller that lags behind would lose results), nor into the job's return value.
 * - **Control** messages (cancel a running job, a slot is gone) are published on one channel.
 */
import { decodeMessage, encodeBytes, takeMoved, type BatchReply, type SerializedError, type TaskAddress } from '@mpool/pool-procs';

/** Version of this format; a worker refuses a job of another version with a clear error. */
export const WIRE_VERSION = 1;

/** A dedicated slot's start-up: the initializer its worker process runs once. */
export interface SlotInit {
  initializer: TaskAddress | null;
  initargs: unknown[];
  /**
   * The pool's `concurrentTasksPerWorker`, when > 1: the slot's process runs that many of its
   * batches at once while they await. Absent: one at a time (and what a worker of an older
   * version does with it: it ignores it, so the batches still run right, one after another).
   */
  concurrentTasksPerWorker?: number;
}

/** One batch of a job, as the caller's engine sent it to its slot. */
export interface JobBatch {
  /** The engine's batch id (replies name it). */
  id: number;
  address: TaskAddress;
  spread: boolean;
  items: unknown[];
}

/** The decoded payload of a job. */
export interface JobPayload {
  /** `start`: a dedicated slot's first job, run before any batch (its initializer); `run`: batches. */
  kind: 'start' | 'run';
  /** The caller's slot (its `currentWorkerId()`). */
  slot: number;
  /** Set for a dedicated slot: its work runs in a worker process of its own, started with this. */
  init: SlotInit | null;
  batches: JobBatch[];
  /**
   * Set by a slot of `concurrentTasksPerWorker` > 1: the batches may run side by side (in the
   * worker's local pool). Absent: one after another, in order, as a local worker runs the
   * batches of one message (`processes: 1` means one task at a time, on a fleet too).
   */
  sideBySide?: true;
}

/** The JSON data of a BullMQ job of mpool (what dashboards show). */
export interface JobData {
  v: number;
  /** The pool's id: the prefix of its job ids, and the name of its result list. */
  pool: string;
  /** The Redis key of the pool's result list. */
  out: string;
  /** The payload, encoded (see the file comment), base64. */
  m: string;
}

/** What a worker pushes to the pool's result list for one job. */
export interface JobOutcome {
  job: string;
  /** Replies of the job's batches, in order, up to the first one not answered. */
  replies: BatchReply[];
  /** A `start` job: the slot's worker is ready. */
  ready?: true;
  /** The slot's initializer threw: its error (the pool breaks with InitializerError). */
  initFailed?: SerializedError;
  /**
   * The worker process running the batch after the last reply was lost (it crashed, or BullMQ
   * gave the job up as stalled too often): the slot ends as a worker that exited.
   */
  lost?: { exitCode: number | null; signal: NodeJS.Signals | null; cause?: SerializedError };
}

/** Control messages on {@link FleetKeys.control}. */
export type ControlMessage = { cancel: string[] } | { slotGone: { pool: string; slot: number } };

/** The Redis names of one fleet (queue), under BullMQ's prefix so Cluster hash tags apply. */
export interface FleetKeys {
  /** The pub/sub channel of control messages. */
  control: string;
  /** A pool's result list. */
  results(pool: string): string;
  /** Exists while the pool is open (refreshed with a TTL): workers push results only then. */
  alive(pool: string): string;
  /** The fleet registry: a sorted set of the workers serving the queue (see fleet-registry.ts). */
  workers: string;
}

export function fleetKeys(prefix: string, queue: string): FleetKeys {
  const base = `${prefix}:${queue}:mpool`;
  return { control: `${base}:control`, results: (pool) => `${base}:out:${pool}`, alive: (pool) => `${base}:alive:${pool}`, workers: `${base}:workers` };
}

/**
 * Encodes a payload for {@link JobData.m}. Throws DataCloneError for what cannot be sent.
 * Buffers marked by move() are copied like any value (they cross Redis anyway) and stay intact
 * in the caller; their marks are dropped here, so that they are not looked for again.
 */
export function encodePayload(payload: JobPayload): string {
  takeMoved(payload);
  return encodeBytes(payload).toString('base64');
}

export function decodePayload(data: JobData): JobPayload {
  if (data?.v !== WIRE_VERSION) throw new Error(`mpool job format ${String(data?.v)} is not this worker's (${WIRE_VERSION}): run the same @mpool/pool-bullmq version on callers and workers`);
  return decodeMessage(Buffer.from(data.m, 'base64')) as JobPayload;
}

/** Encodes a job's outcome; results a task returned with move() are copied (as in encodePayload). */
export function encodeOutcome(outcome: JobOutcome): Buffer {
  takeMoved(outcome);
  return encodeBytes(outcome);
}
export const decodeOutcome = (bytes: Buffer): JobOutcome => decodeMessage(bytes) as JobOutcome;
