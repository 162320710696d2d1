/**
 * The fleet registry: which `mpool-worker`s serve a queue right now, so that a pool can tell "no
 * worker at all" from "workers busy" (BullMQ cannot: a job waits for a worker for ever).
 *
 * Each worker keeps an entry in a sorted set, scored by when it expires on Redis's own clock (so
 * the hosts' clocks need not agree), and refreshes it every third of its lifetime. The lifetime is
 * the worker's `--lock-ms`: a worker that died or froze leaves the registry when its job locks
 * expire, which is when BullMQ hands its jobs to another worker. A worker that stops on SIGTERM
 * leaves at once. The set itself expires with its last entry, so no key outlives the fleet.
 *
 * A pool with jobs in flight counts the live entries every {@link PRESENCE_CHECK_MS}; when there
 * has been none for `noWorkerTimeoutMs`, its pending calls fail with NoWorkerError. The cost is
 * one small script per pool per second while it waits for results, nothing when idle.
 */
import type { Redis } from 'ioredis';

export const PRESENCE_CHECK_MS = 1000;

const NOW_MS = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
/** KEYS[1] the set; ARGV[1] the worker's id, ARGV[2] its lifetime (ms). */
const REGISTER = `${NOW_MS}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;
/** KEYS[1] the set: drops expired entries, returns how many are left. */
const COUNT = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;

type Registry = Redis & {
  mpoolRegister(key: string, id: string, ttlMs: string): Promise<unknown>;
  mpoolCountWorkers(key: string): Promise<number>;
};

function withScripts(client: Redis): Registry {
  const c = client as Registry;
  if (typeof c.mpoolRegister !== 'function') {
    client.defineCommand('mpoolRegister', { numberOfKeys: 1, lua: REGISTER });
    client.defineCommand('mpoolCountWorkers', { numberOfKeys: 1, lua: COUNT });
  }
  return c;
}

/** A worker's entry in the registry (the worker side). */
export class WorkerRegistration {
  readonly #client: Registry;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    client: Redis,
    private readonly key: string,
    private readonly id: string,
    private readonly ttlMs: number,
  ) {
    this.#client = withScripts(client);
  }

  /** Registers now (resolves once Redis has it) and keeps the entry fresh until {@link leave}. */
  async join(): Promise<void> {
    await this.#refresh();
    this.#timer = setInterval(() => void this.#refresh().catch(() => undefined), Math.max(250, Math.floor(this.ttlMs / 3)));
    this.#timer.unref();
  }

  /** Leaves the registry (a graceful stop): pools stop counting this worker at once. */
  async leave(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#client.zrem(this.key, this.id);
  }

  #refresh(): Promise<unknown> {
    return this.#client.mpoolRegister(this.key, this.id, String(this.ttlMs));
  }
}

/** How many workers serve the queue now (the pool side). */
export function countWorkers(client: Redis, key: string): Promise<number> {
  return withScripts(client).mpoolCountWorkers(key);
}

/** What a {@link PresenceWatch} asks of its pool. */
export interface PresenceSource {
  /** Calls are waiting for results. */
  pending(): boolean;
  /** The number of live workers, or null when Redis cannot be asked now (the connection watch has that case). */
  count(): Promise<number> | null;
  /** There has been no worker for `ms`: fail the pending calls. */
  noWorker(ms: number): void;
}

/** Fails a pool's pending calls once no worker has served its queue for `timeoutMs` (see the file comment). */
export class PresenceWatch {
  #timer: NodeJS.Timeout | null = null;
  #emptySince: number | null = null;

  constructor(
    private readonly timeoutMs: number,
    private readonly source: PresenceSource,
  ) {}

  /** Calls are pending: watch until there are none (cheap to call for every job). */
  arm(): void {
    if (this.#timer !== null || !Number.isFinite(this.timeoutMs)) return;
    this.#timer = setInterval(() => this.#check(), PRESENCE_CHECK_MS);
    this.#timer.unref(); // the pending calls keep the process alive, not this
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#emptySince = null;
  }

  #check(): void {
    if (!this.source.pending()) return this.stop();
    const counting = this.source.count();
    if (counting === null) {
      this.#emptySince = null; // Redis is away: RedisUnavailableError's watch decides, not this one
      return;
    }
    counting.then(
      (workers) => {
        if (workers > 0 || !this.source.pending()) {
          this.#emptySince = null;
          return;
        }
        const now = Date.now();
        this.#emptySince ??= now;
        const waited = now - this.#emptySince;
        if (waited < this.timeoutMs) return;
        this.#emptySince = null; // later calls get a full timeout of their own
        this.source.noWorker(waited);
      },
      () => undefined,
    );
  }
}
