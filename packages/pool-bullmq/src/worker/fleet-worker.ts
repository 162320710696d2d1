/**
 * The fleet worker behind `mpool-worker`: a BullMQ Worker on the fleet's queue whose processor
 * runs each job's batches in a local mpool pool (relayBatch: the local engine's crash
 * replacement, recycling, initializers and error serialization) and pushes the outcome to the
 * calling pool's result list. It never fails a job for what a task did: BullMQ's `failed` is left
 * to BullMQ (a job that stalled more than `maxStalled` times), and reported to the caller as a
 * lost worker.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker, WaitingError, type Job } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { relayBatch, serializeError, type BatchReply, type Pool, type RelayOutcome } from '@mpool/pool-core';
import { configurationFault, createClient } from '../connection.js';
import { decodePayload, encodeOutcome, fleetKeys, type ControlMessage, type FleetKeys, type JobBatch, type JobData, type JobOutcome, type JobPayload } from '../wire.js';
import { LocalPools, type LocalBackend } from './local-pools.js';
import { TaskRoots } from './roots.js';
import { WorkerRegistration } from '../fleet-registry.js';
import { within } from '../within.js';

export interface FleetWorkerOptions {
  redis: RedisOptions;
  queue: string;
  prefix: string;
  concurrency: number;
  backend: LocalBackend;
  roots: string[];
  lockMs: number;
  stalledMs: number;
  maxStalled: number;
  graceMs: number;
  /** Logs one line (stderr). */
  log(line: string): void;
  /** A connection failure retrying cannot mend (see configurationFault): the worker cannot serve. */
  fatal(why: string): void;
}

/** Cancels remembered for jobs not started yet (a cancel can overtake the job it names). */
const CANCELS_KEPT = 10_000;
const READY_TASK = { module: new URL('./ready-task.js', import.meta.url).href, name: 'ready' };
/** Pushes the outcome only while the calling pool is alive (its key exists), so a closed pool gets no list back. */
const PUSH_SCRIPT = `if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('LPUSH', KEYS[1], ARGV[1]); redis.call('PEXPIRE', KEYS[1], ARGV[2]) end`;
const RESULT_TTL_MS = '3600000';
type PushCommand = (out: string, alive: string, outcome: Buffer, ttlMs: string) => Promise<unknown>;

export class FleetWorker {
  readonly #options: FleetWorkerOptions;
  readonly #keys: FleetKeys;
  readonly #roots: TaskRoots;
  readonly #pools: LocalPools;
  readonly #cancels = new Set<string>();
  #out!: Redis;
  #control!: Redis;
  #worker!: Worker;
  #bullmq!: Redis;
  #registration: WorkerRegistration | null = null;
  #handingBack = false;
  #stopping: Promise<void> | null = null;

  constructor(options: FleetWorkerOptions) {
    this.#options = options;
    this.#keys = fleetKeys(options.prefix, options.queue);
    this.#roots = new TaskRoots(options.roots);
    this.#pools = new LocalPools(options.backend, options.concurrency);
  }

  get roots(): string[] {
    return this.#roots.roots;
  }

  async start(): Promise<void> {
    const { redis, queue, prefix, concurrency, lockMs, stalledMs, maxStalled } = this.#options;
    this.#out = createClient(redis, 'mpool-worker:out');
    this.#out.defineCommand('mpoolPush', { numberOfKeys: 2, lua: PUSH_SCRIPT }); // EVALSHA, loaded once
    this.#control = createClient(redis, 'mpool-worker:control');
    let lastLog = 0;
    const onError = (error: Error) => {
      const fault = configurationFault(error);
      if (fault !== null) return this.#options.fatal(fault);
      if (Date.now() - lastLog < 5000) return; // one line per outage, not one per retry
      lastLog = Date.now();
      this.#options.log(`mpool-worker: ${error.message}`);
    };
    for (const client of [this.#out, this.#control]) client.on('error', onError);
    this.#control.on('message', (_channel: string, text: string) => this.#onControl(text));
    await this.#control.subscribe(this.#keys.control);
    this.#worker = new Worker(queue, (job, token, signal) => this.#process(job as Job<JobData>, token, signal), {
      connection: (this.#bullmq = createClient(redis, 'mpool-worker')),
      prefix,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: stalledMs,
      maxStalledCount: maxStalled,
    });
    this.#worker.on('error', onError);
    this.#bullmq.on('error', onError);
    // BullMQ fails a job itself only when it stalled too often: the caller hears its worker was lost.
    this.#worker.on('failed', (job, error) => {
      if (job) void this.#push(job as Job<JobData>, { job: job.id!, replies: [], lost: { exitCode: null, signal: null, cause: serializeError(error) } });
    });
    await this.#worker.waitUntilReady();
    // Last: a pool counts this worker only once it can take jobs.
    const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#registration = new WorkerRegistration(this.#out, this.#keys.workers, id, lockMs);
    await this.#registration.join();
  }

  /** Stop taking jobs; let the running ones finish for `graceMs`, then hand them back to the queue. */
  stop(): Promise<void> {
    return (this.#stopping ??= this.#stop());
  }

  async #stop(): Promise<void> {
    // Out of the registry first: it takes no new job from now on.
    const leaving = this.#registration?.leave().catch(() => undefined);
    // Before start() got through (Redis not reachable yet) there is no BullMQ Worker to close.
    const closing = this.#worker?.close() ?? Promise.resolve();
    const finished = await within(this.#options.graceMs, closing);
    if (!finished) {
      this.#handingBack = true; // the processors move their jobs back to the queue (see #process)
      await this.#pools.terminateAll();
      await within(3000, closing);
    }
    await this.#pools.terminateAll();
    await within(1000, leaving);
    await within(1000, Promise.all([this.#out.quit(), this.#control.quit()]));
    for (const client of [this.#out, this.#control, this.#bullmq]) client?.disconnect();
  }

  #onControl(text: string): void {
    let message: ControlMessage;
    try {
      message = JSON.parse(text) as ControlMessage;
    } catch {
      return;
    }
    if ('cancel' in message) {
      for (const id of message.cancel) {
        if (this.#worker.cancelJob(id, 'cancelled by its pool')) continue;
        this.#cancels.add(id);
        if (this.#cancels.size > CANCELS_KEPT) this.#cancels.delete(this.#cancels.values().next().value!);
      }
    } else if ('slotGone' in message) {
      this.#pools.drop(message.slotGone.pool, message.slotGone.slot);
    }
  }

  async #process(job: Job<JobData>, token: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    if (this.#cancels.delete(job.id!)) return;
    let payload: JobPayload;
    try {
      payload = decodePayload(job.data);
    } catch (error) {
      return this.#push(job, { job: job.id!, replies: [], lost: { exitCode: null, signal: null, cause: serializeError(error) } });
    }
    const outcome = this.#refused(job, payload) ?? (await this.#pools.use(job.data.pool, payload.slot, payload.init, (local) => this.#run(job, payload, local, signal)));
    if (this.#handingBack && outcome === null) {
      // Stopping after the grace period: the job goes back to the queue for another worker.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (outcome === null || signal?.aborted) return; // cancelled: its caller no longer waits
    await this.#push(job, outcome);
  }

  /** A job naming a module outside the roots: its batches fail with TaskModuleRefusedError, nothing is imported. */
  #refused(job: Job<JobData>, payload: JobPayload): JobOutcome | null {
    const init = payload.init?.initializer;
    const initRefusal = init ? this.#roots.refusal(init) : null;
    if (initRefusal) return { job: job.id!, replies: [], initFailed: serializeError(initRefusal) };
    const refusals = payload.batches.map((b) => this.#roots.refusal(b.address));
    const first = refusals.find(Boolean);
    if (first === undefined) return null;
    // The whole job is refused (nothing of it is imported); each batch names its own module when that one is refused.
    const replies: BatchReply[] = payload.batches.map((b, i) => ({ type: 'failed', id: b.id, values: [], error: serializeError(refusals[i] ?? first) }));
    return { job: job.id!, replies };
  }

  /** Runs the job's batches in `local`; null when it was aborted or the worker is stopping. */
  async #run(job: Job<JobData>, payload: JobPayload, local: Pool, signal: AbortSignal | undefined): Promise<JobOutcome | null> {
    const as = payload.slot;
    if (payload.kind === 'start') {
      const started = await relayBatch(local, { address: READY_TASK, spread: true, items: [[]], as });
      if (started.type === 'done') return { job: job.id!, replies: [], ready: true };
      return this.#ending(job, [], started);
    }
    const relay = (b: JobBatch) => relayBatch(local, { address: b.address, spread: b.spread, items: b.items, as }, signal);
    // Side by side only when the caller's slot may run several at once; otherwise one after
    // another, as its local worker would: a slot of `processes: 1` never runs two tasks at once.
    const outcomes = payload.sideBySide ? await Promise.all(payload.batches.map(relay)) : null;
    const replies: BatchReply[] = [];
    for (let i = 0; i < payload.batches.length; i++) {
      const b = payload.batches[i]!;
      const o = outcomes?.[i] ?? (await relay(b));
      if (o.type === 'done') replies.push({ type: 'done', id: b.id, values: o.values });
      else if (o.type === 'failed' && !this.#handingBack) replies.push({ type: 'failed', id: b.id, values: o.values, error: o.error });
      else return this.#ending(job, replies, o);
    }
    return { job: job.id!, replies };
  }

  /** The outcome of a job whose batch `o` was not answered. */
  #ending(job: Job<JobData>, replies: BatchReply[], o: RelayOutcome): JobOutcome | null {
    if (o.type === 'init-failed') return { job: job.id!, replies, initFailed: o.error };
    if (o.type === 'lost' && !this.#handingBack) {
      const lost: NonNullable<JobOutcome['lost']> = { exitCode: o.exitCode, signal: o.signal };
      if (o.cause !== undefined) lost.cause = o.cause;
      return { job: job.id!, replies, lost };
    }
    if (o.type === 'failed' && !this.#handingBack) return { job: job.id!, replies, lost: { exitCode: null, signal: null, cause: o.error } };
    return null; // aborted, or the local pool was stopped because this worker is stopping
  }

  async #push(job: Job<JobData>, outcome: JobOutcome): Promise<void> {
    const { out, pool } = job.data;
    await (this.#out as Redis & { mpoolPush: PushCommand }).mpoolPush(out, this.#keys.alive(pool), encodeOutcome(outcome), RESULT_TTL_MS);
  }
}

