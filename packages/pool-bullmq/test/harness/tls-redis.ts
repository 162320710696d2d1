/**
 * A redis-server as a deployment off loopback would run it: TLS only (no plain port), an ACL user
 * with a password, the default user disabled. Its CA and server certificate are made for the
 * test by the openssl command (scripts/setup.sh installs it) and removed with it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisServerBinary } from './redis-server.js';

export interface TlsRedis {
  port: number;
  pid: number;
  user: string;
  password: string;
  /** The CA certificate file (PEM) that signed the server's certificate. */
  caFile: string;
  /** `rediss://user:password@127.0.0.1:port`, the password percent-encoded. */
  url: string;
  stop(): Promise<void>;
}

function openssl(dir: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.error) throw new Error(`the openssl command is needed for the TLS test (bash scripts/setup.sh installs it): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
}

/** Resolves once the server answers AUTH + PING over TLS with `ca` trusted. */
async function untilTlsPing(port: number, ca: Buffer, user: string, password: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ca }, () => socket.write(`AUTH ${user} ${password}\r\nPING\r\n`));
      let got = '';
      socket.setTimeout(1000, () => socket.destroy());
      socket.on('data', (d) => {
        got += d.toString();
        if (got.includes('PONG')) {
          socket.destroy();
          resolve(true);
        }
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server (TLS) on port ${port} did not answer within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startTlsRedis(): Promise<TlsRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'mpool-tls-redis-'));
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=mpool test CA']);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.cnf']);
  const port = await freePort();
  // Characters a URL must percent-encode, so the test proves the URL's user:password is decoded.
  const user = 'mpool';
  const password = 'p@ss:w/rd%1';
  const args = ['--bind', '127.0.0.1', '--port', '0', '--tls-port', String(port), '--tls-cert-file', 'server.pem', '--tls-key-file', 'server.key', '--tls-ca-cert-file', 'ca.pem', '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning', '--user', 'default', 'off', '--user', user, 'on', `>${password}`, '~*', '&*', '+@all'];
  const child: ChildProcess = spawn(redisServerBinary(), args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const caFile = join(dir, 'ca.pem');
  try {
    await untilTlsPing(port, readFileSync(caFile), user, password);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    pid: child.pid!,
    user,
    password,
    caFile,
    url: `rediss://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
