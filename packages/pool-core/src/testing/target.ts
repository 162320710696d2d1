import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach } from 'vitest';
import type { Pool, PoolOptions } from '@mpool/pool-core';
import { runNodeScript, type ScriptRun } from './node-script.js';

/** What the conformance suite needs to know about a backend. */
export interface ConformanceTarget {
  /** Shown in test titles, e.g. `threads`. */
  name: string;
  /** Makes a pool of this backend. */
  createPool(options?: PoolOptions): Pool;
  /**
   * URL of a module exporting `createPool(options)`, for tests that must run a pool in a separate
   * Node process (e.g. "an unclosed pool does not keep the process alive"). `.ts` is loaded with tsx.
   */
  factoryModule: string;
  /**
   * URL of a plain-JS module that loads the backend's BUILT package (dist) and exports
   * `createPool(options)`, `defineTasks` and `taskRef` from it, for tests that run a program the
   * way a user does (e.g. `tsx main.ts` with `.ts` task modules). Without it those tests are not
   * registered.
   */
  builtFactoryModule?: string;
  /**
   * The backend detaches memory marked by move() when it sends it (the sender's ArrayBuffer has
   * `byteLength` 0 afterwards): threads (a real transfer) and procs (for the same behaviour).
   * Remote backends copy and leave the sender's buffer as it was.
   */
  detachesMoved?: boolean;
}

/** Pools made through this are terminated after each test, so a failing test leaks no worker. */
export function poolTracker(target: ConformanceTarget): (options?: PoolOptions) => Pool {
  const pools: Pool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.terminate()));
  });
  return (options) => {
    const pool = target.createPool(options);
    pools.push(pool);
    return pool;
  };
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Settles with the rejection reason, failing if the promise resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** All values of an async iterable (Array.fromAsync needs Node 22). */
export async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

/**
 * Runs `body` as an ES module in a fresh Node process (through runNodeScript: its process group
 * is killed after `hangMs`, default 15 s), with `createPool`, `pool` (2 workers), `sqr` and
 * `tasks` (every fixture) in scope.
 */
export async function runInNode(target: ConformanceTarget, body: string, { hangMs = 15_000 }: { hangMs?: number } = {}): Promise<ScriptRun> {
  const factory = target.factoryModule;
  const script = `
    const { createPool } = await import(${JSON.stringify(factory)});
    const tasks = await import(${JSON.stringify(new URL('./tasks.js', import.meta.url).href)});
    const { sqr } = tasks;
    const pool = createPool({ processes: 2 });
    ${body}
  `;
  const tsx = /\.(c|m)?ts$/.test(factory) ? ['--import', pathToFileURL(createRequire(fileURLToPath(factory)).resolve('tsx')).href] : [];
  return runNodeScript([...tsx, '--input-type=module', '-e', script], { hangMs });
}

/**
 * Resolves once `pool` has shown `count` distinct ready workers: two calls at once land on two
 * workers only if both are ready (timing tests must not depend on how fast workers start).
 */
export async function untilWorkersReady(pool: Pool, count: number): Promise<void> {
  const { sleepWhoami } = await import('./tasks.js');
  for (let attempt = 0; attempt < 100; attempt++) {
    const ids = await Promise.all(Array.from({ length: count }, () => pool.apply(sleepWhoami, [50])));
    if (new Set(ids).size === count) return;
  }
  throw new Error(`untilWorkersReady: fewer than ${count} workers became ready`);
}
