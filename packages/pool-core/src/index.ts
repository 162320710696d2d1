export { Pool, POOL_OPTION_NAMES } from './pool.js';
export type {
  PoolOptions,
  BasePoolOptions,
  InitializerOptions,
  CallOptions,
  ApplyOptions,
  MapOptions,
  ImapOptions,
  TaskResult,
  TaskInput,
  OneArgFn,
  ArgsThenOptions,
} from './pool.js';
export type { PoolState } from './engine.js';
export type { PoolStats, TimeSummary } from './pool-stats.js';
export { STATS_WINDOW } from './pool-stats.js';
export type { RoomOptions } from './queue-room.js';
export { AsyncResult } from './async-result.js';
export type { ResultCallbacks } from './async-result.js';
export { defineTasks, taskRef, toModuleUrl } from './tasks.js';
export type { Task, TaskRef, TaskLike, AnyFn } from './tasks.js';
export type { AnyIterable } from './inputs.js';
export { currentWorkerId, isPoolWorker } from './worker-info.js';
export { cpuCount } from './cpu.js';
// For tests (the conformance suite): the pool's current worker count.
export {
  PoolError,
  TimeoutError,
  PoolStateError,
  TopLevelPoolError,
  ResultNotReadyError,
  WorkerCrashedError,
  EncodingError,
  InitializerError,
  AbortError,
  QueueFullError,
  serializeError,
  deserializeError,
} from './errors.js';
export type { SerializedError, BuiltinErrorName } from './errors.js';
export { serve } from './serve.js';
export { ownViews } from './own-views.js';
export { move } from './move.js';
export type { Movable } from './move.js';
// For backends: find and detach what move() marked (see move.ts).
export { takeMoved, isMoved, unmark, detach } from './move.js';
export { siblingWorkerEntry } from './worker-entry.js';
export type { WorkerEntry } from './worker-entry.js';
export type { Transport, TransportHost, WorkerHandle, WorkerEvents, WorkerPort, ExitInfo, IdleLook } from './transport.js';
// For backends that relay work from remote callers (see relay.ts).
export { relayBatch } from './relay.js';
export type { RelayedBatch, RelayOutcome, Relaying } from './relay.js';
export type { ParentMessage, WorkerMessage, WireBatch, TaskAddress, BatchReply } from './protocol.js';
// For backends: start workers with the tsx the program runs under (see ts-loader.ts).
export { tsxOfParent, tsxFrom, tsxInArgv, TS_LOADER_GLOBAL } from './ts-loader.js';
export type { TsxInstall } from './ts-loader.js';
/** @internal The O(1) FIFO the engine uses, shared with the backends (pool-procs' side channel). */
export { Deque } from './deque.js';
