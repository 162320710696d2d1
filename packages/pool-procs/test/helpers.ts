/** Test helpers: process liveness, pools whose children are checked for leaks, scripts in their own process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, expect } from 'vitest';
import { ProcessPool, type ProcessPoolOptions } from '../src/index.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * True while `pid` runs. A zombie counts as exited: an orphan is reaped by init (or a
 * sub-reaper), which may take its time; it runs no code any more.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no procfs (not Linux): process.kill said it exists
  }
}

/** Waits until none of `pids` runs; returns the ones still running after `ms`. */
export async function stillRunningAfter(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const running = pids.filter(isRunning);
    if (running.length === 0 || Date.now() >= deadline) return running;
    await sleep(20);
  }
}

/**
 * ProcessPools made through this are terminated after each test, and every child pid they had
 * must then be gone (the pids seen at creation, at the end, and any the test adds with `seen`).
 */
export function trackedPools(): { makePool(options?: ProcessPoolOptions): ProcessPool; seen(...pids: number[]): void } {
  const pools: ProcessPool[] = [];
  const pids = new Set<number>();
  afterEach(async () => {
    for (const pool of pools) for (const pid of pool.pids) pids.add(pid);
    await Promise.all(pools.splice(0).map((pool) => pool.terminate()));
    const leaked = [...pids].filter(isRunning);
    pids.clear();
    for (const pid of leaked) process.kill(pid, 'SIGKILL');
    expect(leaked, 'children still running after terminate()').toEqual([]);
  });
  return {
    makePool(options) {
      const pool = new ProcessPool({ processes: 1, ...options });
      pools.push(pool);
      for (const pid of pool.pids) pids.add(pid);
      return pool;
    },
    seen(...more) {
      for (const pid of more) pids.add(pid);
    },
  };
}

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A TypeScript script of test/fixtures in its own Node process; stdout and stderr collected. */
export function runScript(name: string, args: string[] = []): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const file = new URL(`./fixtures/${name}`, import.meta.url);
  const child = spawn(process.execPath, ['--import', tsx, fileURLToPath(file), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once `test(text())` holds, polling; rejects after `ms` with the text seen so far. */
export async function waitFor(text: () => string, test: (s: string) => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test(text())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${text().slice(-2000)}`);
    await sleep(20);
  }
}

/**
 * Two in-memory ends standing in for a socketpair: what one writes, the other reads (a copy, as
 * the kernel makes). `written` records the length of every write, on either end.
 */
export function duplexPair(): { a: Duplex; b: Duplex; written: number[] } {
  const written: number[] = [];
  const ends: Duplex[] = [];
  for (const i of [0, 1]) {
    ends.push(
      new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, done) {
          written.push(chunk.length);
          ends[1 - i]!.push(Buffer.from(chunk));
          done();
        },
      }),
    );
  }
  return { a: ends[0]!, b: ends[1]!, written };
}
