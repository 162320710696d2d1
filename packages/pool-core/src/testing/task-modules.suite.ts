/**
 * Task modules: what runs when a worker imports one. A pool created by a module's top-level code
 * while a worker imports it fails with TopLevelPoolError (no pools spawning pools for ever); a pool
 * created by a task at run time works.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InitializerError, PoolStateError, taskRef, TopLevelPoolError } from '@mpool/pool-core';
import { runNodeScript, type ScriptRun } from './node-script.js';
import { sqr, squaresInInnerPool } from './tasks.js';
import { poolTracker, rejectionOf, type ConformanceTarget } from './target.js';

/** How long the entry script may run before the test calls it a hang and kills its process group. */
const HANG_MS = 20_000;

export function registerTaskModuleTests(target: ConformanceTarget): void {
  describe('task modules', () => {
    const makePool = poolTracker(target);

    it('an entry script that declares its tasks and creates a pool at top level fails fast with TopLevelPoolError, leaving no process', async () => {
      const run = await runEntryScript(target, 'none');
      expect(run.hung, `the script was still running after ${HANG_MS} ms:\n${run.stderr.slice(-2000)}`).toBe(false);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      // The parent's map rejects with the worker's error: its name, the module and the fix.
      expect(run.stderr).toMatch(/TopLevelPoolError/);
      expect(run.stderr).toMatch(/entry-script\.(js|ts)/);
      expect(run.stderr).toMatch(/isPoolWorker\(\)/);
      expect(run.stderr).toMatch(/module of their own/);
      expect(run.leftovers, 'processes of the script still running after it exited').toEqual([]);
    });

    it.each(['isPoolWorker', 'main-module'] as const)('the same script guarded by the documented `%s` check runs its pool', async (guard) => {
      const run = await runEntryScript(target, guard);
      expect(run.hung).toBe(false);
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('[2,4,6]');
      expect(run.code).toBe(0);
      expect(run.leftovers).toEqual([]);
    });

    it('an initializer whose module creates a pool at top level: the pool fails with InitializerError caused by TopLevelPoolError', async () => {
      // entry-script creates a pool at top level when imported; the workers read the factory from the environment.
      const saved = process.env.MPOOL_TEST_FACTORY;
      process.env.MPOOL_TEST_FACTORY = target.factoryModule;
      try {
        const pool = makePool({ processes: 2, initializer: taskRef(entryScriptUrl(), 'double'), initargs: [1] });
        const error = await rejectionOf(pool.map(sqr, [1, 2]));
        expect(error).toBeInstanceOf(InitializerError);
        const cause = (error as Error).cause;
        expect(cause).toBeInstanceOf(TopLevelPoolError);
        expect(cause).toBeInstanceOf(PoolStateError);
        expect((cause as Error).message).toContain(entryScriptUrl());
      } finally {
        if (saved === undefined) delete process.env.MPOOL_TEST_FACTORY;
        else process.env.MPOOL_TEST_FACTORY = saved;
      }
    });

    it('a task may create a pool of its own at run time (a pool inside a worker)', async () => {
      const pool = makePool({ processes: 1 });
      const got = await pool.apply(squaresInInnerPool, [target.factoryModule, [1, 2, 3]]);
      expect(got.squares).toEqual([1, 4, 9]);
      expect(got.outerWorker).toBe(1);
      expect(got.innerWorkers.every((id) => typeof id === 'number')).toBe(true);
    });
  });
}

const SCRIPT_OF_GUARD = { none: 'entry-script', isPoolWorker: 'entry-script-guarded', 'main-module': 'entry-script-main' } as const;

/** URL of the entry script with `guard`, next to this file (`.ts` from source, `.js` from dist). */
const entryScriptUrl = (guard: keyof typeof SCRIPT_OF_GUARD = 'none') =>
  new URL(`./${SCRIPT_OF_GUARD[guard]}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/** Runs the entry script with `guard` in a Node process of its own. */
async function runEntryScript(target: ConformanceTarget, guard: keyof typeof SCRIPT_OF_GUARD): Promise<ScriptRun> {
  const script = fileURLToPath(entryScriptUrl(guard));
  const factory = target.factoryModule;
  const tsx = /\.(c|m)?ts$/.test(factory) || script.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(fileURLToPath(factory)).resolve('tsx')).href] : [];
  return runNodeScript([...tsx, script], { env: { MPOOL_TEST_FACTORY: factory }, hangMs: HANG_MS });
}
