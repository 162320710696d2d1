/**
 * One worker of a BullmqPool, as the engine sees it: a slot of jobs in flight on the fleet. Each
 * `run` message the engine sends becomes one BullMQ job; the slot answers the engine in the order
 * it sent, whichever fleet worker ran which job, so the engine cannot tell it from a local worker.
 *
 * - A slot of a pool without an initializer or `maxTasksPerChild` is *shared*: its jobs run in
 *   whatever worker process of the fleet is free, and is ready at once.
 * - Otherwise it is *dedicated*: its first job (`start`) makes a fleet worker start a process of
 *   its own for this slot, which runs the initializer; the slot is ready when that answers. Its
 *   jobs run in such a process (one per fleet worker that gets them), ended when the slot ends,
 *   so recycling (`maxTasksPerChild`) and initializers mean what they mean locally.
 * - With `concurrentTasksPerWorker` 1 (the default) a slot has one job in flight at a time, as a
 *   local worker runs one message at a time: a `run` message the engine sends before the previous
 *   one is answered (its prefetch of quick work) is encoded at once (so an unsendable value still
 *   throws inside `send`) and held here, and becomes a job when that answer comes. Were it added
 *   at once, another fleet process could start it first: `processes: 1` would run two messages
 *   side by side, out of order (a map's item 51 before item 1), and a failed map's next message
 *   would already be running when the failure is seen.
 * - A task's process that dies ends the slot as a worker that exited (the engine fails what it
 *   held with WorkerCrashedError and starts another slot); so does `kill()` (abort, terminate).
 * - With `concurrentTasksPerWorker` N > 1, a slot may have N jobs in flight: a slot never blocks
 *   (its jobs run on the fleet's processes, side by side), so it tells the engine every task is
 *   async (the `async` message) as soon as it first sends it. Synchronous tasks then run side by
 *   side too, in different fleet processes (one after another within each process). A dedicated
 *   slot's process is started with the same N, so its batches overlap there while they await.
 *   Outcomes are then passed on as they arrive (the engine matches replies by id), so a job that
 *   lost its process ends the slot at once instead of after the jobs sent before it.
 */
import { Deque, type ExitInfo, type ParentMessage, type TaskAddress, type WorkerEvents, type WorkerHandle } from '@mpool/pool-core';
import { assertSendable, deserializeError } from '@mpool/pool-procs';
import type { FleetClient, OutcomeSink } from './fleet-client.js';
import { encodePayload, type JobOutcome, type JobPayload, type SlotInit } from './wire.js';

/** A job encoded and not yet added to the queue. */
interface HeldJob {
  name: string;
  m: string;
}

export class Slot implements WorkerHandle, OutcomeSink {
  readonly assertSendable = assertSendable;
  #id = 0;
  #init: SlotInit | null = null;
  /** The pool's `concurrentTasksPerWorker` (from `init`). */
  #concurrency = 1;
  /** Task addresses by the engine's task-table index (the engine sends each once per worker). */
  readonly #tasks = new Map<number, TaskAddress>();
  /** The one job in flight (N = 1): the start job, then each `run` message's job in turn. */
  #current: string | null = null;
  /** `run` messages sent while #current is in flight or its outcome is being passed on (N = 1). */
  readonly #held = new Deque<HeldJob>();
  #passingOn = false;
  /** Jobs in flight, when outcomes are passed on as they arrive (N > 1). */
  readonly #unordered = new Set<string>();
  #starting: string | null = null;
  #exitAsked = false;
  #refd = true;
  #ended = false;
  readonly #gone: Promise<void>;
  #markGone!: () => void;

  constructor(
    private readonly fleet: FleetClient,
    private readonly events: WorkerEvents,
    private readonly dedicated: boolean,
  ) {
    this.#gone = new Promise((resolve) => (this.#markGone = resolve));
    fleet.hold(true);
  }

  send(msg: ParentMessage): void {
    switch (msg.type) {
      case 'init':
        this.#id = msg.workerId;
        this.#concurrency = msg.concurrentTasksPerWorker ?? 1;
        if (!this.dedicated) {
          queueMicrotask(() => this.#ended || this.events.message({ type: 'ready' }));
          return;
        }
        this.#init = { initializer: msg.initializer, initargs: msg.initargs };
        if (this.#concurrency > 1) this.#init.concurrentTasksPerWorker = this.#concurrency;
        this.#starting = this.#addJob('mpool:start', { kind: 'start', slot: this.#id, init: this.#init, batches: [] });
        return;
      case 'run': {
        for (const { index, address } of msg.define) {
          this.#tasks.set(index, address);
          // After this send returns: the engine must not hear from a worker inside its own call.
          if (this.#concurrency > 1) queueMicrotask(() => this.#ended || this.events.message({ type: 'async', task: index }));
        }
        const batches = msg.batches.map((b) => ({ id: b.id, address: this.#tasks.get(b.task)!, spread: b.spread, items: b.items }));
        const first = batches[0]!.address;
        const payload: JobPayload = { kind: 'run', slot: this.#id, init: this.#init, batches };
        if (this.#concurrency > 1) payload.sideBySide = true;
        this.#addJob(`${first.module}#${first.name}`, payload);
        return;
      }
      case 'exit':
        // As a local worker: it leaves once its start-up (initializer) is over.
        this.#exitAsked = true;
        if (this.#starting === null) this.#end({ exitCode: 0, signal: null });
        return;
    }
  }

  /** Throws (synchronously) DataCloneError when the payload cannot be encoded: the engine's EncodingError. */
  #addJob(name: string, payload: JobPayload): string {
    const m = encodePayload(payload);
    if (this.#concurrency > 1) {
      const jobId = this.fleet.add(this, name, m);
      this.#unordered.add(jobId);
      return jobId;
    }
    if (this.#current !== null || this.#passingOn) {
      this.#held.push({ name, m });
      return '';
    }
    return (this.#current = this.fleet.add(this, name, m));
  }

  outcome(jobId: string, outcome: JobOutcome): void {
    if (this.#ended) return;
    if (this.#concurrency > 1) {
      if (this.#unordered.delete(jobId)) this.#take(outcome);
      return;
    }
    if (jobId !== this.#current) return;
    this.#current = null;
    // The engine may send the next message from inside #take: it queues behind the held ones.
    this.#passingOn = true;
    try {
      this.#take(outcome);
    } finally {
      this.#passingOn = false;
    }
    const next = this.#held.shift();
    if (next !== undefined && !this.#ended) this.#current = this.fleet.add(this, next.name, next.m);
  }

  #take(outcome: JobOutcome): void {
    for (const reply of outcome.replies) this.events.message(reply);
    if (outcome.initFailed !== undefined) {
      this.events.message({ type: 'init-failed', error: outcome.initFailed });
    } else if (outcome.lost !== undefined) {
      const { exitCode, signal, cause } = outcome.lost;
      const info: ExitInfo = { exitCode, signal };
      if (cause !== undefined) info.error = deserializeError(cause);
      this.#end(info);
    } else if (outcome.ready) {
      this.#starting = null;
      this.events.message({ type: 'ready' });
      if (this.#exitAsked) this.#end({ exitCode: 0, signal: null });
    }
  }

  ref(): void {
    if (!this.#refd && !this.#ended) this.fleet.hold((this.#refd = true));
  }

  unref(): void {
    if (this.#refd && !this.#ended) this.fleet.hold((this.#refd = false));
  }

  kill(): Promise<void> {
    this.#end({ exitCode: null, signal: 'SIGKILL' });
    return this.#gone;
  }

  /** Ends the slot once: jobs still in flight are cancelled, the fleet drops its process, the engine hears `exit`. */
  #end(info: ExitInfo): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#held.drain();
    this.fleet.cancel(this.#current === null ? [...this.#unordered] : [this.#current, ...this.#unordered]);
    if (this.dedicated) this.fleet.publish({ slotGone: { pool: this.fleet.pool, slot: this.#id } });
    if (this.#refd) this.fleet.hold(false);
    // Never inside the engine's own call (kill() comes from it): exit is an event, as for a process.
    queueMicrotask(() => {
      this.events.exit(info);
      this.#markGone();
    });
  }
}
