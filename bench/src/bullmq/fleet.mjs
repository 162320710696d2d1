// The bullmq section's own Redis and fleet: a redis-server on 127.0.0.1 (a free port, no
// persistence, a folder of its own) and `mpool-worker` processes, each stopped by its pid (never
// by name: the machine may run other Redis servers and workers, the test suite's among them).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The redis-server on PATH, or undefined. */
export function redisServerBinary() {
  return (spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout ?? '').trim() || undefined;
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** True once a raw `PING` on `port` answers `+PONG`. */
function pingOnce(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => socket.destroy());
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** SIGTERM `child`, SIGKILL it after `graceMs`; resolves once it exited. */
function stopChild(child, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  return exited.finally(() => clearTimeout(timer));
}

/** Starts redis-server; resolves with { url, port, pid, stop() } once it answers PING. */
export async function startRedis(binary) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mpool-bench-redis-'));
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const stop = async () => {
    await stopChild(child, 2000);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await pingOnce(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server on port ${port} did not answer PING: ${err.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop };
}

/**
 * Starts one `node <bin> --redis URL --queue NAME --concurrency N --root DIR` and resolves with
 * { pid, stderr(), stop() } once it printed "mpool-worker: serving" (its sign of readiness).
 */
export function startWorker({ bin, url, queue, concurrency, root, extraArgs = [] }) {
  const args = [bin, '--redis', url, '--queue', queue, '--concurrency', String(concurrency), '--root', root, ...extraArgs];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    if (err.length < 1 << 16) err += d;
  });
  const handle = { pid: child.pid, stderr: () => err, stop: () => stopChild(child, 15_000) };
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`mpool-worker ${why}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    };
    const timer = setTimeout(() => fail('did not serve within 20 s'), 20_000);
    child.once('exit', (code) => fail(`exited (code ${code}) before serving`));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.includes('mpool-worker: serving')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout.resume();
        resolve(handle);
      }
    });
  });
}

/** Starts `size` workers (see {@link startWorker}); if one fails, the others are stopped. */
export async function startFleet(options, size) {
  const started = await Promise.allSettled(Array.from({ length: size }, () => startWorker(options)));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.filter((s) => s.status === 'fulfilled').map((s) => s.value.stop()));
    throw failed.reason;
  }
  return started.map((s) => s.value);
}
