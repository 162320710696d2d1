/**
 * The backend interface. A backend is a pair: a {@link Transport} on the main side that starts
 * workers and moves {@link ParentMessage}s / {@link WorkerMessage}s, and a worker-side entry that
 * wraps its channel in a {@link WorkerPort} and calls `serve(port)`. Everything else (queues,
 * chunking, results, crashes, recycling) is the engine's, so a backend stays ~100 lines.
 */
import type { ParentMessage, WorkerMessage } from './protocol.js';

/** How a worker ended. `signal` is only set for processes killed by a signal. */
export interface ExitInfo {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /**
   * Why the worker ended, when the backend can see it: the uncaught exception (threads), or what
   * the process wrote to stderr before it died (processes: the V8 fatal line, an uncaught
   * exception's line). Becomes the `cause` of the WorkerCrashedError of the tasks it held.
   */
  error?: unknown;
}

/** What the engine learns about one worker. Called on the main thread, never re-entrantly. */
export interface WorkerEvents {
  message(msg: WorkerMessage): void;
  /** Called exactly once, after the worker is gone (for processes: after the child exited). */
  exit(info: ExitInfo): void;
}

/** The main side's handle on one worker. */
export interface WorkerHandle {
  /** Sends one message. Throws synchronously if the message cannot be encoded. */
  send(msg: ParentMessage): void;
  /**
   * Throws what `send` would throw for a message holding `value`, or returns. Only called after a
   * `send` failed, to find the value that cannot be sent and why. Default: `structuredClone`.
   */
  assertSendable?(value: unknown): void;
  /** Keep the event loop alive for this worker (it has work). */
  ref(): void;
  /** Let the process exit even though this worker is running (it is idle). */
  unref(): void;
  /**
   * Stop now, whatever it is doing (threads: `terminate()`; processes: SIGTERM, then SIGKILL after
   * a grace period). Resolves once `events.exit` has been called.
   */
  kill(): Promise<void>;
}

/**
 * What a transport may ask of the pool as a whole, for failures that belong to no one worker
 * (a broker that stayed unreachable, see `@mpool/pool-bullmq`).
 */
export interface TransportHost {
  /**
   * Fails every pending call (queued or held) with `error` and replaces every worker; the pool
   * stays usable, so later calls run once the cause is gone.
   */
  failPending(error: Error): void;
}

/**
 * The main side of a backend. A worker need not be a thread or a process the pool owns: it is
 * whatever runs the `run` messages sent to its handle in order and answers each batch in order
 * (a remote backend's worker is a slot of jobs in flight on a fleet).
 */
export interface Transport {
  /** A short name for messages and test titles, e.g. `threads` or `procs`. */
  readonly name: string;
  /** Start one worker. Its entry must call `serve()` with a port over the same channel. */
  spawn(events: WorkerEvents): WorkerHandle;
  /** Called once, before the first `spawn`, with the pool's side of the seam. */
  bind?(host: TransportHost): void;
}

/** The worker side of a backend: the channel to the main side, as `serve()` sees it. */
export interface WorkerPort {
  /** Sends one message. Throws synchronously if the message cannot be encoded. */
  send(msg: WorkerMessage): void;
  /** As {@link WorkerHandle.assertSendable}, for the worker's side of the channel. */
  assertSendable?(value: unknown): void;
  onMessage(handler: (msg: ParentMessage) => void): void;
  /**
   * Optional: lets an idle worker look for its next task a short while before it sleeps (see
   * idle-spin.ts). Only for a channel that can take a message without waiting (threads).
   */
  look?: IdleLook;
  /**
   * Leave: the pool asked this worker to exit (close or recycling). Must end the worker even if
   * user code left timers or handles open.
   */
  exit(): void;
}

/** What a worker needs to look for its next task before it sleeps (see idle-spin.ts). */
export interface IdleLook {
  /**
   * Takes the next message if one is already waiting, without waiting, and without it reaching
   * the `onMessage` handler (threads: `receiveMessageOnPort`); undefined when none is.
   */
  receive(): ParentMessage | undefined;
  /** This worker is awake (has work, or is looking) or goes to sleep; seen by the pool's other workers. */
  setAwake(awake: boolean): void;
  /**
   * Whether a core is left for this worker (awake) to look on, after the pool's other awake
   * workers and one core for the main thread: looking on a core that another thread needs makes
   * everything slower (2 workers looking on 2 cores: 2 tiny tasks in flight went 34k -> 23k/s).
   */
  roomToLook(): boolean;
}

