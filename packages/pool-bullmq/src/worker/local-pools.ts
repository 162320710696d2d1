/**
 * The local pools a fleet worker runs jobs in: one shared pool (`--concurrency` processes or
 * threads) for the slots of pools without an initializer or maxTasksPerChild, and one pool of a
 * single process per dedicated slot (see ../slot.ts), started with the slot's initializer and its
 * pool's concurrentTasksPerWorker, and ended when the caller says the slot is gone, or after it
 * was unused for IDLE_MS (a caller that died says nothing).
 */
import { taskRef, type Pool } from '@mpool/pool-core';
import { ProcessPool } from '@mpool/pool-procs';
import { ThreadPool } from '@mpool/pool-threads';
import type { SlotInit } from '../wire.js';

export type LocalBackend = 'procs' | 'threads';

/** A dedicated slot's process unused this long is ended. */
const IDLE_MS = 60_000;

interface Dedicated {
  pool: Pool;
  busy: number;
  lastUsed: number;
}

export class LocalPools {
  #shared: Pool | null = null;
  readonly #dedicated = new Map<string, Dedicated>();
  readonly #sweep: NodeJS.Timeout;

  constructor(
    private readonly backend: LocalBackend,
    private readonly concurrency: number,
  ) {
    this.#sweep = setInterval(() => this.#endIdle(), IDLE_MS / 4).unref();
  }

  /** Runs `work` in the pool for a job of `pool`'s `slot` (`init` set: a dedicated slot). */
  async use<T>(pool: string, slot: number, init: SlotInit | null, work: (local: Pool) => Promise<T>): Promise<T> {
    if (init === null) return work((this.#shared ??= this.#make({ processes: this.concurrency })));
    const key = `${pool}/${slot}`;
    let entry = this.#dedicated.get(key);
    if (entry === undefined) {
      const initializer = init.initializer ? taskRef(init.initializer.module, init.initializer.name) : undefined;
      const concurrentTasksPerWorker = init.concurrentTasksPerWorker ?? 1;
      entry = { pool: this.#make({ processes: 1, initializer, initargs: init.initargs, concurrentTasksPerWorker }), busy: 0, lastUsed: Date.now() };
      this.#dedicated.set(key, entry);
    }
    entry.busy++;
    try {
      return await work(entry.pool);
    } finally {
      entry.busy--;
      entry.lastUsed = Date.now();
    }
  }

  /** The caller ended `slot`: its process goes (a task still running there is killed: its caller no longer waits). */
  drop(pool: string, slot: number): void {
    const key = `${pool}/${slot}`;
    const entry = this.#dedicated.get(key);
    if (entry === undefined) return;
    this.#dedicated.delete(key);
    void entry.pool.terminate();
  }

  /** Stops every local worker now. */
  async terminateAll(): Promise<void> {
    clearInterval(this.#sweep);
    const pools = [...this.#dedicated.values()].map((d) => d.pool);
    if (this.#shared) pools.push(this.#shared);
    this.#dedicated.clear();
    this.#shared = null;
    await Promise.all(pools.map((p) => p.terminate()));
  }

  #make(options: { processes: number; initializer?: ReturnType<typeof taskRef>; initargs?: unknown[]; concurrentTasksPerWorker?: number }): Pool {
    return this.backend === 'threads' ? new ThreadPool(options as never) : new ProcessPool(options as never);
  }

  #endIdle(): void {
    const now = Date.now();
    for (const [key, entry] of this.#dedicated) {
      if (entry.busy === 0 && now - entry.lastUsed > IDLE_MS) {
        this.#dedicated.delete(key);
        void entry.pool.terminate();
      }
    }
  }
}
