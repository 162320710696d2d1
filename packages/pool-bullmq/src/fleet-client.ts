/**
 * The caller's link to a fleet: it adds a pool's jobs to the queue (BullMQ `addBulk`), reads
 * their outcomes from the pool's result list, cancels jobs, and watches the connection.
 *
 * Delivery rules (see the README, "Running on many machines"):
 * - Every job in flight is kept here until its outcome arrives; an outcome for a job not kept
 *   (a duplicate from a re-run, a job that was cancelled) is dropped, so no result is delivered
 *   twice.
 * - When Redis comes back as a new server (its `run_id` changed: a restart without persistence
 *   loses every key), every job still in flight is added again under the same id (a job that
 *   still exists is not duplicated by BullMQ), so none is lost; a job may then run twice.
 * - When Redis stays unreachable for `connectTimeoutMs`, every pending call fails with
 *   RedisUnavailableError (through the pool's TransportHost) instead of waiting for ever.
 *
 * Nothing connects before the first job, so a pool that is never used opens no connection.
 */
import { Queue } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import type { TransportHost } from '@mpool/pool-core';
import { configurationFault, createClient, describeRedis, LoopHold } from './connection.js';
import { NoWorkerError, RedisUnavailableError } from './errors.js';
import { countWorkers, PresenceWatch } from './fleet-registry.js';
import { within } from './within.js';
import { decodeOutcome, fleetKeys, WIRE_VERSION, type ControlMessage, type FleetKeys, type JobData, type JobOutcome } from './wire.js';

/** Who gets a job's outcome (a pool slot). */
export interface OutcomeSink {
  outcome(jobId: string, outcome: JobOutcome): void;
}

export interface FleetClientOptions {
  redis: RedisOptions;
  queue: string;
  prefix: string;
  connectTimeoutMs: number;
  /** Pending calls fail with NoWorkerError after this long without any worker (Infinity: never). */
  noWorkerTimeoutMs: number;
}

interface Links {
  cmd: Redis;
  reader: Redis;
  queue: Queue;
  hold: LoopHold;
}

interface InFlight {
  sink: OutcomeSink;
  name: string;
  data: JobData;
}

/** Outcomes popped per read. */
const READ_BATCH = 512;
/** How long one blocking read waits (seconds) before the loop looks again. */
const READ_BLOCK_S = '1';
const WATCH_MS = 250;
/** The pool's alive key lives this long unless refreshed (every third of it): a dead caller's results stop being kept. */
const ALIVE_MS = 60_000;

export class FleetClient {
  /** This pool's id: the prefix of its job ids and the name of its result list. */
  readonly pool = `p${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  readonly keys: FleetKeys;
  readonly #options: FleetClientOptions;
  readonly #resultsKey: string;
  readonly #inFlight = new Map<string, InFlight>();
  #seq = 0;
  #host: TransportHost | null = null;
  #links: Links | null = null;
  #toAdd: Array<{ name: string; data: JobData; opts: { jobId: string } }> = [];
  #reading = false;
  #closed = false;
  #held = 0;
  /** Since when the connection is down (from the moment it is first opened until it is ready). */
  #downSince: number | null = null;
  #lastError: Error | null = null;
  #runId: string | null = null;
  #watch: NodeJS.Timeout | null = null;
  #aliveTimer: NodeJS.Timeout | null = null;
  /** The alive key was set on this connection since it last (re)connected. */
  #aliveSet = false;
  readonly #presence: PresenceWatch;

  constructor(options: FleetClientOptions) {
    this.#options = options;
    this.keys = fleetKeys(options.prefix, options.queue);
    this.#resultsKey = this.keys.results(this.pool);
    this.#presence = new PresenceWatch(options.noWorkerTimeoutMs, {
      pending: () => this.#inFlight.size > 0 && !this.#closed,
      count: () => (this.#links !== null && this.#downSince === null ? countWorkers(this.#links.cmd, this.keys.workers) : null),
      noWorker: (ms) => {
        const { queue, prefix } = this.#options;
        const redis = describeRedis(this.#options.redis);
        this.#host?.failPending(
          new NoWorkerError(`no mpool-worker has served queue ${JSON.stringify(queue)} (prefix ${prefix}) on ${redis} for ${Math.round(ms / 1000)} s (noWorkerTimeoutMs ${this.#options.noWorkerTimeoutMs}): start one with \`mpool-worker --redis ${redis} --queue ${queue}${prefix === 'bull' ? '' : ` --prefix ${prefix}`}\``),
        );
      },
    });
  }

  bind(host: TransportHost): void {
    this.#host = host;
  }

  /** Adds a job (batched with the others of this tick); returns its id. */
  add(sink: OutcomeSink, name: string, m: string): string {
    const jobId = `${this.pool}-${++this.#seq}`;
    const data: JobData = { v: WIRE_VERSION, pool: this.pool, out: this.#resultsKey, m };
    this.#inFlight.set(jobId, { sink, name, data });
    if (this.#toAdd.length === 0) queueMicrotask(() => this.#flushAdds());
    this.#toAdd.push({ name, data, opts: { jobId } });
    this.#startReading();
    this.#presence.arm();
    return jobId;
  }

  /** Forgets `jobIds` (their outcomes are dropped), removes the ones still waiting, and asks workers to stop the running ones. */
  cancel(jobIds: string[]): void {
    const known = jobIds.filter((id) => this.#inFlight.delete(id));
    if (known.length === 0 || this.#links === null) return;
    const { queue } = this.#links;
    for (const id of known) queue.remove(id).catch(() => undefined); // 0 when active: the cancel below stops it
    this.publish({ cancel: known });
  }

  publish(message: ControlMessage): void {
    this.#links?.cmd.publish(this.keys.control, JSON.stringify(message)).catch(() => undefined);
  }

  /** A slot with work refs the loop; with none, the connections do not keep the process alive. */
  hold(on: boolean): void {
    this.#held += on ? 1 : -1;
    this.#links?.hold.set(this.#held > 0);
    this.#updateWatch();
  }

  /** Closes every connection (after the pool's join or terminate) and deletes the result list. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#inFlight.clear();
    this.#presence.stop();
    if (this.#watch) clearInterval(this.#watch);
    if (this.#aliveTimer) clearInterval(this.#aliveTimer);
    const links = this.#links;
    if (links === null) return;
    links.hold.set(true); // the awaits below must keep the process alive (join() at a script's top level)
    links.reader.disconnect();
    if (this.#downSince === null) {
      await within(1000, links.cmd.del(this.#resultsKey, this.keys.alive(this.pool)));
      await within(1000, links.queue.close());
      await within(1000, links.cmd.quit());
    }
    links.cmd.disconnect();
  }

  // ---- internals ----------------------------------------------------------------------------

  #connect(): Links {
    if (this.#links) return this.#links;
    this.#downSince = Date.now();
    const { redis, queue: name, prefix } = this.#options;
    const cmd = createClient(redis, `mpool:${this.pool}`);
    const reader = createClient(redis, `mpool:${this.pool}:results`);
    for (const client of [cmd, reader]) client.on('error', (error: Error) => (this.#lastError = error));
    cmd.on('ready', () => this.#onReady(cmd));
    cmd.on('close', () => {
      this.#aliveSet = false;
      this.#downSince ??= Date.now();
      this.#updateWatch();
    });
    const queue = new Queue(name, { connection: cmd, prefix });
    queue.on('error', (error: Error) => (this.#lastError = error));
    const hold = new LoopHold([cmd, reader]);
    hold.set(this.#held > 0);
    this.#links = { cmd, reader, queue, hold };
    this.#aliveTimer = setInterval(() => this.#markAlive(), ALIVE_MS / 3).unref();
    this.#updateWatch();
    return this.#links;
  }

  #markAlive(): void {
    this.#links?.cmd.set(this.keys.alive(this.pool), '1', 'PX', ALIVE_MS).catch(() => undefined);
  }

  #onReady(cmd: Redis): void {
    this.#downSince = null;
    this.#lastError = null; // an old refusal must not fail calls on a later, unrelated outage
    this.#updateWatch();
    cmd
      .info('server')
      .then((info) => {
        const runId = /run_id:(\w+)/.exec(info)?.[1] ?? null;
        const restarted = this.#runId !== null && runId !== this.#runId;
        this.#runId = runId;
        if (restarted) this.#addAgain();
      })
      .catch(() => undefined);
  }

  /** Redis is a new server: every job in flight is added again (see the file comment). */
  #addAgain(): void {
    for (const [jobId, { name, data }] of this.#inFlight) {
      if (this.#toAdd.length === 0) queueMicrotask(() => this.#flushAdds());
      this.#toAdd.push({ name, data, opts: { jobId } });
    }
  }

  #flushAdds(): void {
    const jobs = this.#toAdd.splice(0).filter((j) => this.#inFlight.has(j.opts.jobId));
    if (jobs.length === 0 || this.#closed) return;
    const { queue } = this.#connect();
    if (!this.#aliveSet) {
      // Before the jobs, on the same connection: workers push results only while this key exists.
      this.#aliveSet = true;
      this.#markAlive();
    }
    const opts = { removeOnComplete: true, removeOnFail: true, attempts: 1 };
    // One job alone (the latency case) skips addBulk's transaction.
    const added = jobs.length === 1 ? queue.add(jobs[0]!.name, jobs[0]!.data, { ...opts, ...jobs[0]!.opts }) : queue.addBulk(jobs.map((j) => ({ name: j.name, data: j.data, opts: { ...opts, ...j.opts } })));
    added.catch((error: Error) => {
      // Only a closed connection gets here (commands wait through reconnects): the watch fails the calls.
      this.#lastError = error;
    });
  }

  #startReading(): void {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    void this.#readLoop().finally(() => {
      this.#reading = false;
      if (this.#inFlight.size > 0 && !this.#closed) this.#startReading();
    });
  }

  async #readLoop(): Promise<void> {
    const { reader } = this.#connect();
    while (this.#inFlight.size > 0 && !this.#closed) {
      let reply: unknown;
      try {
        reply = await reader.callBuffer('BLMPOP', READ_BLOCK_S, '1', this.#resultsKey, 'RIGHT', 'COUNT', String(READ_BATCH));
      } catch (error) {
        if (this.#closed) return;
        this.#lastError = error as Error;
        await sleep(100);
        continue;
      }
      if (!Array.isArray(reply)) continue;
      for (const bytes of reply[1] as Buffer[]) this.#deliver(bytes);
    }
  }

  #deliver(bytes: Buffer): void {
    let outcome: JobOutcome;
    try {
      outcome = decodeOutcome(bytes);
    } catch (error) {
      process.emitWarning(`mpool: dropped an unreadable outcome from ${this.#resultsKey}: ${(error as Error).message}`, 'MpoolProtocolWarning');
      return;
    }
    const entry = this.#inFlight.get(outcome.job);
    if (entry === undefined) return; // a duplicate (the job re-ran) or a cancelled job
    this.#inFlight.delete(outcome.job);
    entry.sink.outcome(outcome.job, outcome);
  }

  /** While Redis is down and calls wait, fail them once it has been down for connectTimeoutMs. */
  #updateWatch(): void {
    const needed = this.#downSince !== null && this.#links !== null && !this.#closed;
    if (needed && this.#watch === null) {
      this.#watch = setInterval(() => this.#check(), WATCH_MS);
    } else if (!needed && this.#watch !== null) {
      clearInterval(this.#watch);
      this.#watch = null;
    }
    if (this.#watch) this.#held > 0 ? this.#watch.ref() : this.#watch.unref();
  }

  #check(): void {
    if (this.#downSince === null || this.#inFlight.size === 0) return;
    const down = Date.now() - this.#downSince;
    const where = describeRedis(this.#options.redis);
    const fault = configurationFault(this.#lastError);
    if (fault !== null) {
      // Waiting cannot mend it: fail now, with the fix in the message.
      return this.#host?.failPending(new RedisUnavailableError(`cannot use Redis at ${where}: ${fault}`, { cause: this.#lastError ?? undefined }));
    }
    if (down < this.#options.connectTimeoutMs) return;
    const why = this.#lastError ? `: ${this.#lastError.message}` : '';
    this.#host?.failPending(new RedisUnavailableError(`Redis at ${where} has been unreachable for ${Math.round(down / 1000)} s (connectTimeoutMs ${this.#options.connectTimeoutMs})${why}`, { cause: this.#lastError ?? undefined }));
  }
}

/** A timer that does not keep the process alive. */
const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });
