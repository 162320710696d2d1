/** Lifecycle and results protocol: close/terminate/join, AsyncResult, signals, recycling, validation. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AbortError, cpuCount, PoolStateError, ResultNotReadyError, TimeoutError } from '@mpool/pool-core';
import { sleepThen, slowInitLogged, spin, sqr, squareWithWorker, whoami } from './tasks.js';
import { poolTracker, range, rejectionOf, runInNode, type ConformanceTarget } from './target.js';

export function registerLifecycleTests(target: ConformanceTarget): void {
  describe('lifecycle', () => {
    const makePool = poolTracker(target);

    it('join() before close()/terminate() rejects with PoolStateError', async () => {
      const pool = makePool({ processes: 1 });
      expect(await rejectionOf(pool.join())).toBeInstanceOf(PoolStateError);
    });

    it('close() lets submitted work finish, refuses new work, and join() resolves', async () => {
      const pool = makePool({ processes: 2 });
      const pending = pool.mapAsync(sleepThen, [50, 60, 70], { chunksize: 1 });
      pool.close();
      expect(() => pool.applyAsync(sqr, [1])).toThrow(PoolStateError);
      expect(() => pool.imap(sqr, [1])).toThrow(PoolStateError);
      expect(await rejectionOf(pool.map(sqr, [1]))).toBeInstanceOf(PoolStateError);
      await pool.join(10_000);
      expect(await pending.get(0)).toEqual([50, 60, 70]);
      expect(pool.state).toBe('close');
    });

    it('`await using` closes and joins at the end of the block (drains, does not terminate)', async () => {
      let result: ReturnType<typeof makePool>['applyAsync'] extends (...a: never[]) => infer R ? R : never;
      {
        await using pool = makePool({ processes: 1 });
        result = pool.applyAsync(sleepThen, [100, 'drained']);
      }
      expect(result.ready()).toBe(true);
      expect(await result.get(0)).toBe('drained');
    });

    it('join(timeout) rejects with TimeoutError while work is still running', async () => {
      const pool = makePool({ processes: 1 });
      pool.applyAsync(sleepThen, [1000]);
      pool.close();
      expect(await rejectionOf(pool.join(50))).toBeInstanceOf(TimeoutError);
    });

    it('close() right after construction: every started worker runs its initializer to the end', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mpool-init-'));
      try {
        const file = join(dir, 'init.log');
        const pool = makePool({ processes: 4, initializer: slowInitLogged, initargs: [file, 300] });
        pool.close();
        await pool.join(15_000);
        expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(4);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('disposing (`await using`) with an imap nobody finished: input stops, computed results stay readable, then PoolStateError', async () => {
      const { code, stdout, stderr } = await runInNode(
        target,
        `function* naturals() { for (let i = 0; ; i++) yield i; }
        const it = pool.imap(sqr, naturals());
        const first = (await it.next()).value;
        await pool[Symbol.asyncDispose]();
        const rest = [];
        let end;
        for (;;) {
          try {
            const step = await it.next();
            if (step.done) { end = 'done'; break; }
            rest.push(step.value);
          } catch (error) { end = error.name + ': ' + error.message; break; }
        }
        const consecutive = rest.every((v, i) => v === (i + 1) * (i + 1));
        console.log(JSON.stringify({ first, consecutive, some: rest.length > 0, end, state: pool.state }));`,
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const out = JSON.parse(stdout.trim()) as { first: number; consecutive: boolean; some: boolean; end: string; state: string };
      expect(out).toMatchObject({ first: 0, consecutive: true, some: true, state: 'close' });
      expect(out.end).toMatch(/^PoolStateError: .*imap/);
    });

    it('close() + join() with an imap nobody reads: join() rejects with a clear error instead of a silent exit', async () => {
      const { code, stdout, stderr } = await runInNode(
        target,
        `function* naturals() { for (let i = 0; ; i++) yield i; }
        const it = pool.imap(sqr, naturals());
        await it.next();
        pool.close();
        console.log(await pool.join().then(() => 'joined', (e) => e.name + ': ' + e.message));`,
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout.trim()).toMatch(/^PoolStateError: join\(\) can never finish: .*imap/);
    });

    it('terminate() rejects pending results with PoolStateError and join() resolves', async () => {
      const pool = makePool({ processes: 1 });
      const running = pool.applyAsync(sleepThen, [5000]);
      const queued = pool.applyAsync(sqr, [3]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await pool.terminate();
      await pool.join(2000);
      expect(await rejectionOf(running.get(0))).toBeInstanceOf(PoolStateError);
      expect(await rejectionOf(queued.get(0))).toBeInstanceOf(PoolStateError);
      expect(() => pool.applyAsync(sqr, [1])).toThrow(PoolStateError);
    });
  });

  describe('AsyncResult', () => {
    const makePool = poolTracker(target);

    it('get(timeout) rejects with TimeoutError; the task keeps running and can be collected later', async () => {
      const pool = makePool({ processes: 1 });
      const r = pool.applyAsync(sleepThen, [300, 'late']);
      const started = Date.now();
      const error = await rejectionOf(r.get(50));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeLessThan(250);
      expect(r.ready()).toBe(false);
      expect(() => r.successful()).toThrow(ResultNotReadyError);
      expect(await r.get(5000)).toBe('late');
    });

    it('wait(timeout) resolves false on timeout, true once ready; ready()/successful() follow', async () => {
      const pool = makePool({ processes: 1 });
      const r = pool.applyAsync(sleepThen, [200]);
      expect(await r.wait(20)).toBe(false);
      expect(await r.wait(5000)).toBe(true);
      expect(r.ready()).toBe(true);
      expect(r.successful()).toBe(true);
      expect(() => r.get(-1)).toThrow(RangeError);
    });
  });

  describe('AbortSignal', () => {
    const makePool = poolTracker(target);

    it('a running task: its worker is stopped and replaced, the call rejects with AbortError', async () => {
      const pool = makePool({ processes: 1 });
      const first = await pool.apply(whoami);
      const controller = new AbortController();
      const running = pool.apply(spin, [20_000], { signal: controller.signal });
      const queuedBehind = pool.applyAsync(sqr, [6]);
      setTimeout(() => controller.abort(new Error('user gave up')), 100);
      const started = Date.now();
      const error = (await rejectionOf(running)) as AbortError;
      expect(error).toBeInstanceOf(AbortError);
      expect((error.cause as Error).message).toBe('user gave up');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await queuedBehind.get(10_000)).toBe(36); // other work is not lost
      const after = await pool.apply(whoami);
      expect(after.workerId).not.toBe(first.workerId);
    });

    it('queued work is dropped; an already-aborted signal rejects at once', async () => {
      const pool = makePool({ processes: 1 });
      const controller = new AbortController();
      const map = pool.map(sleepThen, [200, 200, 200, 200], { chunksize: 1, signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      expect(await rejectionOf(map)).toBeInstanceOf(AbortError);
      expect(await rejectionOf(pool.apply(sqr, [1], { signal: AbortSignal.abort() }))).toBeInstanceOf(AbortError);
      const it2 = pool.imap(sqr, range(100), { signal: AbortSignal.abort() });
      expect(await rejectionOf(it2.next())).toBeInstanceOf(AbortError);
      expect(await pool.apply(sqr, [5])).toBe(25);
    });
  });

  describe('options', () => {
    const makePool = poolTracker(target);

    it('processes: defaults to cpuCount(); below 1 or not an integer throws RangeError', () => {
      expect(makePool().processes).toBe(cpuCount());
      for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => target.createPool({ processes: bad })).toThrow(RangeError);
      expect(() => target.createPool({ processes: 1, maxTasksPerChild: 0 })).toThrow(RangeError);
    });

    it('an unknown option name throws a TypeError naming it, the closest valid name and all valid ones', async () => {
      expect(() => target.createPool({ procesess: 2 } as never)).toThrow(
        /^new \w+Pool: unknown option 'procesess' \(did you mean 'processes'\?\); valid options: processes, initializer, initargs, maxTasksPerChild/,
      );
      expect(() => target.createPool(null as never)).toThrow(/options must be an object, got null/);
      const pool = makePool({ processes: 1 });
      expect(() => pool.applyAsync(sqr, [1], { transferList: [] } as never)).toThrow(
        /^applyAsync: unknown option 'transferList'; valid options: callback, errorCallback, signal$/,
      );
      expect(String(await rejectionOf(pool.apply(sqr, [1], { signall: undefined } as never)))).toMatch(/^TypeError: apply: unknown option 'signall' \(did you mean 'signal'\?\)/);
      expect(String(await rejectionOf(pool.map(sqr, [1], { chunkSize: 2 } as never)))).toMatch(/^TypeError: map: unknown option 'chunkSize' \(did you mean 'chunksize'\?\)/);
      expect(() => pool.mapAsync(sqr, [1], { bufferSize: 2 } as never)).toThrow(/^mapAsync: unknown option 'bufferSize'/);
      expect(() => pool.imap(sqr, [1], { bufersize: 2 } as never)).toThrow(/^imap: unknown option 'bufersize' \(did you mean 'buffersize'\?\)/);
      expect(await pool.apply(sqr, [3], { signal: undefined })).toBe(9); // a known option set to undefined is fine
    });

    it('a function without an address throws at once, saying how to fix it', async () => {
      const pool = makePool({ processes: 1 });
      const local = (x: number) => x;
      expect(() => pool.applyAsync(local as never, [1] as never)).toThrow(/^applyAsync: function local is not a pool task.*defineTasks\(import\.meta\.url/);
      expect(String(await rejectionOf(pool.apply(local as never, [1] as never)))).toMatch(/^TypeError: apply: function local is not a pool task/);
      expect(() => pool.imap(local as never, [1] as never)).toThrow(TypeError);
    });

    it('initializer runs in every worker with initargs', async () => {
      const { setInit, readInit } = await import('./tasks.js');
      const pool = makePool({ processes: 2, initializer: setInit, initargs: [{ db: 'ready' }] });
      expect(await pool.map(readInit, range(8).map(() => undefined), 1)).toEqual(range(8).map(() => ({ db: 'ready' })));
    });

    // Not timed: at least 10 worker starts one after another; ~11 s on the BullMQ fleet of an idle
    // machine (a child process each), so the 30 s default is too tight under a loaded CI.
    it('maxTasksPerChild: 10 with 3 workers and 100 tasks: right results, more than 3 workers served', { timeout: 120_000 }, async () => {
      const pool = makePool({ processes: 3, maxTasksPerChild: 10 });
      const out = await pool.map(squareWithWorker, range(100), 1);
      expect(out.map(([sq]) => sq)).toEqual(range(100).map((x) => x * x));
      const workers = new Set(out.map(([, id]) => id));
      expect(workers.size).toBeGreaterThan(3);
      const perWorker = new Map<unknown, number>();
      for (const [, id] of out) perWorker.set(id, (perWorker.get(id) ?? 0) + 1);
      expect(Math.max(...perWorker.values())).toBeLessThanOrEqual(10);
    });
  });
}
