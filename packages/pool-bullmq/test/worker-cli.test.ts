/** The mpool-worker command: its flags, the --root rule, and a graceful stop on SIGTERM. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { echo, sleepEcho, whichHost } from './fixtures/fleet-tasks.js';
import { BIN } from './harness/fleet.js';
import { privateFleet } from './harness/private-fleet.js';

// No worker at first: each test starts the ones it needs.
const fleet = privateFleet('worker-cli', 0);

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 15_000 });

describe('mpool-worker flags', () => {
  it('--help documents every flag', () => {
    const { status, stdout } = cli('--help');
    expect(status).toBe(0);
    for (const flag of ['--redis', '--queue', '--concurrency', '--backend', '--root', '--prefix', '--lock-ms', '--stalled-ms', '--max-stalled', '--grace-ms']) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toMatch(/at least once/);
  });

  it('bad flags fail at once with a message naming the flag and the value', () => {
    const missing = cli('--queue', 'q');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/--redis/);
    const zero = cli('--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--concurrency', '0');
    expect(zero.status).not.toBe(0);
    expect(zero.stderr).toMatch(/--concurrency.*must be an integer >= 1, got "0"/);
    const url = cli('--redis', 'http://x', '--queue', 'q');
    expect(url.status).not.toBe(0);
    expect(url.stderr).toMatch(/redis:\/\/ or rediss:\/\//);
    const backend = cli('--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--backend', 'gpu');
    expect(backend.status).not.toBe(0);
    expect(backend.stderr).toMatch(/--backend.*gpu/);
  });
});

describe('mpool-worker --root', () => {
  it('a task module outside every --root is refused, never imported; the error names the module and the roots', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'mpool-root-'));
    const worker = await fleet.addWorker([], [elsewhere]);
    try {
      const pool = fleet.pool({ processes: 1 });
      const error = (await pool.apply(echo, [1]).catch((e: unknown) => e)) as Error;
      expect(error.name).toBe('TaskModuleRefusedError');
      expect(error.message).toContain(new URL('./fixtures/fleet-tasks.ts', import.meta.url).href);
      expect(error.message).toContain(elsewhere);
      expect(error.message).toMatch(/--root/);
      // The initializer is checked the same way: the pool fails with InitializerError.
      const init = fleet.pool({ processes: 1, initializer: echo, initargs: [1] });
      const initError = (await init.apply(echo, [1]).catch((e: unknown) => e)) as Error;
      expect(initError.name).toBe('InitializerError');
      expect((initError.cause as Error).name).toBe('TaskModuleRefusedError');
      await pool.terminate();
      await init.terminate();
    } finally {
      expect(await worker.stop()).toBe(0);
      fleet.workers.splice(fleet.workers.indexOf(worker), 1);
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('mpool-worker on SIGTERM', () => {
  it('finishes the job it runs, takes no more, exits 0', async () => {
    const worker = await fleet.addWorker();
    const pool = fleet.pool({ processes: 1 });
    expect(await pool.apply(echo, ['warm'])).toBe('warm');
    const running = pool.apply(sleepEcho, [800, 'finished']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exit = worker.stop('SIGTERM');
    expect(await running).toBe('finished');
    expect(await exit).toBe(0);
    fleet.workers.splice(fleet.workers.indexOf(worker), 1);
    await pool.terminate();
  });

  it('after --grace-ms, hands the job back to the queue: another worker runs it and the call succeeds', async () => {
    const leaving = await fleet.addWorker(['--grace-ms', '300']);
    const pool = fleet.pool({ processes: 1 });
    const host = await pool.apply(whichHost);
    expect(host).toBe(leaving.pid);
    const running = pool.apply(sleepEcho, [3000, 'ran elsewhere']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = Date.now();
    expect(await leaving.stop('SIGTERM')).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(5000);
    fleet.workers.splice(fleet.workers.indexOf(leaving), 1);
    const other = await fleet.addWorker();
    expect(await running).toBe('ran elsewhere');
    expect(await pool.apply(whichHost)).toBe(other.pid);
    await pool.terminate();
  }, 30_000);
});

