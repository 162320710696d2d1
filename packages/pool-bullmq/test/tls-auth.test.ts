/**
 * The connection a deployment off loopback uses: `rediss://user:password@host:port` against a
 * TLS-only Redis with an ACL user, the fleet trusting the CA through NODE_EXTRA_CA_CERTS (as the
 * README says), and what a wrong password or an untrusted certificate does: a clear error at
 * once, never a wait until connectTimeoutMs, never the password in a message.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqPool } from '../src/index.js';
import { echo } from './fixtures/fleet-tasks.js';
import { BIN, startWorker, type FleetWorkerProcess } from './harness/fleet.js';
import { startTlsRedis, type TlsRedis } from './harness/tls-redis.js';

const QUEUE = 'tls-auth';
const TASKS = new URL('./fixtures/fleet-tasks.ts', import.meta.url).href;
const DIST = pathToFileURL(join(BIN, '../index.js')).href;
let redis: TlsRedis;
let worker: FleetWorkerProcess;
let scratch: string;

beforeAll(async () => {
  redis = await startTlsRedis();
  scratch = mkdtempSync(join(tmpdir(), 'mpool-tls-caller-'));
  worker = await startWorker({ url: redis.url, queue: QUEUE, env: { ...process.env, NODE_EXTRA_CA_CERTS: redis.caFile } });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await redis?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 30_000);

/** Runs a caller in a process of its own (NODE_EXTRA_CA_CERTS is read at start-up): prints a JSON line. */
function caller(url: string, env: NodeJS.ProcessEnv = {}): { out: { value?: unknown; name?: string; message?: string; ms: number }; stderr: string } {
  const file = join(scratch, `caller-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    file,
    `import { BullmqPool, taskRef } from ${JSON.stringify(DIST)};
const pool = new BullmqPool({ connection: process.argv[2], queue: ${JSON.stringify(QUEUE)}, processes: 1 });
const t0 = Date.now();
let out;
try { out = { value: await pool.apply(taskRef(${JSON.stringify(TASKS)}, 'echo'), ['over TLS']) }; }
catch (e) { out = { name: e.name, message: e.message }; }
out.ms = Date.now() - t0;
await pool.terminate();
console.log(JSON.stringify(out));
`,
  );
  const run = spawnSync(process.execPath, [file, url], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`caller exited ${run.status} (${run.signal ?? ''}): ${run.stdout}\n${run.stderr}`);
  return { out: JSON.parse(line), stderr: run.stderr };
}

/** Starts mpool-worker expecting it to exit by itself; resolves with its code and stderr. */
function workerExit(url: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, '--redis', url, '--queue', QUEUE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => child.once('exit', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr, ms: Date.now() - t0 }))));
}

describe('rediss:// with an ACL user and password', () => {
  it('a fleet and a pool on rediss://user:password@… (CA from NODE_EXTRA_CA_CERTS) run calls; the URL is decoded', () => {
    const { out, stderr } = caller(redis.url, { NODE_EXTRA_CA_CERTS: redis.caFile });
    expect(out).toMatchObject({ value: 'over TLS' });
    // SNI is left out for an IP address (RFC 6066), so Node has nothing to warn about.
    expect(stderr).not.toMatch(/DEP0123|ServerName/);
    expect(worker.stderr()).not.toMatch(/DEP0123|ServerName/);
  });

  it('ioredis options with `tls: { ca }` work in-process, without NODE_EXTRA_CA_CERTS', async () => {
    const pool = new BullmqPool({
      connection: { host: '127.0.0.1', port: redis.port, username: redis.user, password: redis.password, tls: { ca: readFileSync(redis.caFile) } },
      queue: QUEUE,
      processes: 1,
    });
    expect(await pool.apply(echo, [{ deep: new Map([[1, 2n]]) }])).toEqual({ deep: new Map([[1, 2n]]) });
    await pool.terminate();
  });

  it('a wrong password: the call fails at once (not after connectTimeoutMs) with RedisUnavailableError naming the credentials, not the password', () => {
    const wrong = `rediss://${redis.user}:not-it@127.0.0.1:${redis.port}`;
    const { out } = caller(wrong, { NODE_EXTRA_CA_CERTS: redis.caFile });
    expect(out.name).toBe('RedisUnavailableError');
    expect(out.message).toMatch(/refused the credentials.*WRONGPASS/);
    expect(out.message).toContain(`127.0.0.1:${redis.port}`);
    expect(out.message).not.toContain('not-it');
    expect(out.ms).toBeLessThan(3000); // connectTimeoutMs is 10 s: it did not wait for it
  });

  it('an untrusted certificate: the call fails at once saying how to give the CA', () => {
    const { out } = caller(redis.url);
    expect(out.name).toBe('RedisUnavailableError');
    expect(out.message).toMatch(/TLS certificate of Redis is not trusted/);
    expect(out.message).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(out.message).not.toContain(encodeURIComponent(redis.password));
    expect(out.ms).toBeLessThan(3000);
  });

  it('mpool-worker with a wrong password or an untrusted CA exits 1 at once with one clear line; its output never shows the password', async () => {
    const wrong = await workerExit(`rediss://${redis.user}:not-it@127.0.0.1:${redis.port}`, { NODE_EXTRA_CA_CERTS: redis.caFile });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^mpool-worker: cannot use Redis at rediss:\/\/mpool:\*\*\*@127\.0\.0\.1:\d+: Redis refused the credentials/m);
    expect(wrong.stderr.match(/cannot use Redis/g)).toHaveLength(1);
    expect(wrong.stderr + wrong.stdout).not.toContain('not-it');
    expect(wrong.ms).toBeLessThan(8000);
    const untrusted = await workerExit(redis.url, { NODE_EXTRA_CA_CERTS: '' });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/TLS certificate of Redis is not trusted.*NODE_EXTRA_CA_CERTS/);
    expect(untrusted.stderr + untrusted.stdout).not.toContain(encodeURIComponent(redis.password));
    expect(worker.child.exitCode).toBeNull(); // the fleet's worker was not disturbed
  }, 30_000);

  it('the serving line shows the URL without its password', () => {
    expect(worker.stdout()).toContain(`mpool-worker: serving queue ${QUEUE} on rediss://${redis.user}:***@127.0.0.1:${redis.port}`);
    expect(worker.stdout() + worker.stderr()).not.toContain(encodeURIComponent(redis.password));
  });
});
