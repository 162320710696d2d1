/**
 * Task modules: what runs when a worker imports one. A pool created by a module's top-level code
 * while a worker imports it fails with TopLevelPoolError (no pools spawning pools for ever); a pool
 * created by a task at run time works.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { squaresInInnerPool } from './tasks.js';
import { poolTracker, type ConformanceTarget } from './target.js';

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

    it('a task may create a pool of its own at run time (a pool inside a worker)', async () => {
      const pool = makePool({ processes: 1 });
      const got = await pool.apply(squaresInInnerPool, [target.factoryModule, [1, 2, 3]]);
      expect(got.squares).toEqual([1, 4, 9]);
      expect(got.outerWorker).toBe(1);
      expect(got.innerWorkers.every((id) => typeof id === 'number')).toBe(true);
    });
  });
}

interface EntryRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the script had to be killed after {@link HANG_MS}. */
  hung: boolean;
  /** Pids of processes that carry the run's marker (the script's descendants) and outlived it by 2 s. */
  leftovers: number[];
}

let runs = 0;

/**
 * Runs `entry-script` in its own Node process and process group, with a marker in its environment
 * that every descendant inherits, so that leftover child processes can be found after it exits.
 */
async function runEntryScript(target: ConformanceTarget, guard: 'none' | 'isPoolWorker' | 'main-module'): Promise<EntryRun> {
  const self = fileURLToPath(import.meta.url);
  const script = fileURLToPath(new URL(`./entry-script${self.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const factory = target.factoryModule;
  const tsx = /\.(c|m)?ts$/.test(factory) || script.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(fileURLToPath(factory)).resolve('tsx')).href] : [];
  const marker = `mpool-entry-${process.pid}-${++runs}-${Date.now()}`;
  const child = spawn(process.execPath, [...tsx, script], {
    env: { ...process.env, MPOOL_TEST_FACTORY: factory, MPOOL_TEST_GUARD: guard, MPOOL_TEST_MARK: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a runaway tree can be killed at once
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    killGroup(child.pid!);
  }, HANG_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  const leftovers = await markedProcessesAfter(marker, 2000);
  for (const pid of leftovers) kill(pid);
  if (hung) killGroup(child.pid!);
  return { code, stdout, stderr, hung, leftovers };
}

/** Pids whose environment holds `marker`, polled until there are none or `ms` passed. Linux /proc. */
async function markedProcessesAfter(marker: string, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = markedProcesses(marker);
    if (found.length === 0 || Date.now() >= deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function markedProcesses(marker: string): number[] {
  const needle = `MPOOL_TEST_MARK=${marker}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // A zombie's environ reads empty: it runs no code any more and does not count.
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

function killGroup(pid: number): void {
  kill(-pid);
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
