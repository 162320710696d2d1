/** Failures: task errors, bad input, crashes, failing initializers, values that cannot be sent. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncodingError, InitializerError, WorkerCrashedError } from '@mpool/pool-core';
import {
  crashInTimer,
  exitNow,
  failInit,
  failInitLogged,
  identity,
  returnFunction,
  sqr,
  squareExitAtFive,
  throwAggregate,
  throwChained,
  throwCustom,
  throwTypeError,
  throwValue,
  whoami,
} from './tasks.js';
import { drain, poolTracker, range, rejectionOf, type ConformanceTarget } from './target.js';

function* failingAt(k: number, error: Error) {
  for (let i = 0; ; i++) {
    if (i === k) throw error;
    yield i;
  }
}

export function registerFailureTests(target: ConformanceTarget): void {
  describe('task errors come back as they were thrown', () => {
    const makePool = poolTracker(target);

    it('built-in classes stay built-in, with the worker-side stack', async () => {
      const pool = makePool({ processes: 1 });
      const error = (await rejectionOf(pool.apply(throwTypeError, ['bad thing']))) as TypeError;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe('bad thing');
      expect(error.stack).toMatch(/throwTypeError/);
      expect(error.stack).toMatch(/tasks\.(js|ts)/);
    });

    it('custom classes keep name, message, code and own fields', async () => {
      const pool = makePool({ processes: 1 });
      const error = (await rejectionOf(pool.apply(throwCustom, [5]))) as Error & Record<string, unknown>;
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('QuotaError');
      expect(error.message).toBe('over quota 5');
      expect(error.code).toBe('E_QUOTA');
      expect(error.limit).toBe(5);
      expect(error.details).toEqual({ used: 6, when: new Date(0) });
    });

    it('cause chains and AggregateError.errors are rebuilt', async () => {
      const pool = makePool({ processes: 1 });
      const chained = (await rejectionOf(pool.apply(throwChained))) as Error;
      expect(chained.message).toBe('top');
      const middle = chained.cause as Error;
      expect(middle.message).toBe('middle');
      expect(middle.cause).toBeInstanceOf(RangeError);
      expect((middle.cause as Error).message).toBe('root cause');
      const aggregate = (await rejectionOf(pool.apply(throwAggregate))) as AggregateError;
      expect(aggregate).toBeInstanceOf(AggregateError);
      expect(aggregate.errors.map((e: Error) => [e.constructor.name, e.message])).toEqual([
        ['TypeError', 'first'],
        ['Error', 'second'],
      ]);
    });

    it('a thrown non-error value comes back as that value', async () => {
      const pool = makePool({ processes: 1 });
      expect(await rejectionOf(pool.apply(throwValue, [{ reason: 42 }]))).toEqual({ reason: 42 });
      expect(await rejectionOf(pool.apply(throwValue, ['plain string']))).toBe('plain string');
    });

    it('map rejects with the first error and errorCallback fires once', async () => {
      const pool = makePool({ processes: 2 });
      const errors: unknown[] = [];
      const r = pool.mapAsync(throwTypeError, ['a', 'b', 'c'], { chunksize: 1, errorCallback: (e) => errors.push(e) });
      const error = await rejectionOf(r.get());
      expect(error).toBeInstanceOf(TypeError);
      expect(r.successful()).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBe(error);
    });
  });

  describe('input iterables that throw', () => {
    const makePool = poolTracker(target);
    for (const k of [0, 13]) {
      it(`map rejects with the very error thrown at item ${k}; the pool stays usable`, async () => {
        const pool = makePool({ processes: 2 });
        const boom = new Error(`input broke at ${k}`);
        expect(await rejectionOf(pool.map(sqr, failingAt(k, boom), 4))).toBe(boom);
        expect(await rejectionOf(pool.starmap(sqr, failingAt(k, boom) as never))).toBe(boom);
        expect(await pool.map(sqr, [1, 2, 3])).toEqual([1, 4, 9]);
      });

      it(`imap yields the results before item ${k}, then throws that error`, async () => {
        const pool = makePool({ processes: 2 });
        const boom = new Error(`input broke at ${k}`);
        for (const method of ['imap', 'imapUnordered'] as const) {
          const seen: number[] = [];
          const error = await rejectionOf(
            (async () => {
              for await (const v of pool[method](sqr, failingAt(k, boom), 4)) seen.push(v);
            })(),
          );
          expect(error).toBe(boom);
          expect(seen.sort((a, b) => a - b)).toEqual(range(k).map((x) => x * x));
        }
        expect(await pool.apply(sqr, [5])).toBe(25);
      });
    }
  });

  describe('workers that die', () => {
    const makePool = poolTracker(target);
    for (const [how, task, args] of [
      ['process.exit() inside the task', exitNow, [3]],
      ['an uncaught exception in a timer', crashInTimer, []],
    ] as const) {
      it(`${how}: the task rejects with WorkerCrashedError, the worker is replaced, 1,000 more tasks succeed`, async () => {
        const pool = makePool({ processes: 1 });
        const before = await pool.apply(whoami);
        const error = (await rejectionOf(pool.apply(task as typeof exitNow, args as unknown as [number]))) as WorkerCrashedError;
        expect(error).toBeInstanceOf(WorkerCrashedError);
        expect(error.message).toMatch(/worker \d+ (exited|was killed)/);
        if (task === exitNow) expect(error.exitCode).toBe(3);
        expect(await pool.map(sqr, range(1000), 1)).toEqual(range(1000).map((x) => x * x));
        const after = await pool.apply(whoami);
        expect(after.workerId).toBeGreaterThan(before.workerId!); // a replacement serves
      });
    }
  });

  describe('a task that ends its worker takes nothing done before it', () => {
    const makePool = poolTracker(target);
    it('imap with chunksize 1: the results of the items before the exit arrive (none lost in the worker\'s reply buffer), then WorkerCrashedError', async () => {
      const pool = makePool({ processes: 1 });
      for (let round = 0; round < 3; round++) {
        // Measured quick first, so that the items below reach the worker several to a message
        // and run in one go; item 5 ends the worker while the replies of those before it in its
        // message are still held to be sent together.
        expect(await pool.map(squareExitAtFive, [0, 1, 2, 3, 4, 6, 7, 8], 1)).toEqual([0, 1, 4, 9, 16, 36, 49, 64]);
        const got: number[] = [];
        let error: unknown;
        try {
          for await (const value of pool.imap(squareExitAtFive, [0, 1, 2, 5, 3, 4, 6, 7], 1)) got.push(value);
        } catch (e) {
          error = e;
        }
        expect(got).toEqual([0, 1, 4]);
        expect(error).toBeInstanceOf(WorkerCrashedError);
        expect((error as WorkerCrashedError).exitCode).toBe(7);
      }
    });
  });

  describe('a failing initializer fails fast', () => {
    const makePool = poolTracker(target);
    it('pending and later tasks reject with InitializerError carrying the cause; no respawn loop', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mpool-init-'));
      const log = join(dir, 'attempts');
      try {
        const pool = makePool({ processes: 2, initializer: failInitLogged, initargs: [log] });
        const pending = pool.applyAsync(sqr, [2]);
        const error = (await rejectionOf(pending.get(10_000))) as InitializerError;
        expect(error).toBeInstanceOf(InitializerError);
        expect((error.cause as Error).message).toBe('initializer refuses');
        expect(await rejectionOf(pool.apply(sqr, [3]))).toBeInstanceOf(InitializerError);
        expect(await rejectionOf(pool.map(sqr, [1, 2]))).toBeInstanceOf(InitializerError);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const attempts = readFileSync(log, 'utf8').trim().split('\n');
        expect(attempts.length).toBeGreaterThanOrEqual(1);
        expect(attempts.length).toBeLessThanOrEqual(2); // one per worker started, never more
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a plain failing initializer names its message', async () => {
      const pool = makePool({ processes: 1, initializer: failInit, initargs: ['no database'] });
      const error = (await rejectionOf(pool.apply(sqr, [1]))) as InitializerError;
      expect(error.message).toMatch(/no database/);
    });
  });

  describe('values that cannot be sent', () => {
    const makePool = poolTracker(target);
    it('an unsendable argument rejects that task with EncodingError; the pool carries on', async () => {
      const pool = makePool({ processes: 1 });
      const bad = pool.applyAsync(identity, [() => 1]);
      const good = pool.applyAsync(sqr, [4]);
      const error = (await rejectionOf(bad.get(5000))) as EncodingError;
      expect(error).toBeInstanceOf(EncodingError);
      expect(error.message).toMatch(/arguments of task identity/);
      expect(await good.get(5000)).toBe(16);
    });

    it('an unsendable result rejects that task with EncodingError; the worker survives', async () => {
      const pool = makePool({ processes: 1 });
      const first = await pool.apply(whoami);
      const error = (await rejectionOf(pool.apply(returnFunction))) as EncodingError;
      expect(error).toBeInstanceOf(EncodingError);
      expect(error.message).toMatch(/could not be sent back/);
      const after = await pool.apply(whoami);
      expect(after.workerId).toBe(first.workerId);
      expect(await drain(pool.imap(sqr, [1, 2]))).toEqual([1, 4]);
    });
  });
}
