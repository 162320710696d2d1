/** A fleet of `mpool-worker` processes (the built bin) for tests, stopped by pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
/** The repository root: the conformance suite's task modules live under it. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The fleet runs under tsx, as the README says to run it for TypeScript task code: the suite's
 * task modules are TypeScript, and a .js task module may import a .ts one (entry-script imports
 * the .ts factory), which only a loader present from the start can load.
 */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface FleetWorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Everything it wrote to stdout so far (its serving line). */
  stdout(): string;
  /** SIGTERM (the graceful stop); resolves with its exit code once it exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface FleetOptions {
  url: string;
  queue: string;
  /** Extra flags for every worker (after --concurrency 2 --lock-ms 2000 --stalled-ms 2000). */
  flags?: string[];
  /** Its --root folders. Default: the repository and the temporary folder. */
  roots?: string[];
  env?: NodeJS.ProcessEnv;
  /** Run under tsx (default true); false runs the bin as the README's plain-JS command does. */
  tsx?: boolean;
  /** A command to run the worker under (`['setpriv', '--reuid=65534', ...]`): a worker of another user. */
  wrap?: string[];
}

/** Starts one mpool-worker and resolves once it serves the queue. */
export async function startWorker({ url, queue, flags = [], roots = [REPO_ROOT, tmpdir()], env = process.env, tsx = true, wrap = [] }: FleetOptions): Promise<FleetWorkerProcess> {
  const rootFlags = roots.flatMap((root) => ['--root', root]);
  const args = [...(tsx ? ['--import', TSX] : []), BIN, '--redis', url, '--queue', queue, '--concurrency', '2', '--lock-ms', '2000', '--stalled-ms', '2000', ...rootFlags, ...flags];
  const argv = [...wrap, process.execPath, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mpool-worker did not start within 15 s:\n${err}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('mpool-worker: serving')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mpool-worker exited with code ${code} before serving:\n${err}`));
    });
  });
  child.stdout!.on('data', (d: Buffer) => {
    if (out.length < 1 << 16) out += d.toString();
  });
  return {
    child,
    pid: child.pid!,
    stderr: () => err,
    stdout: () => out,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      return exited.finally(() => clearTimeout(timer));
    },
  };
}

export async function startFleet(options: FleetOptions, size = 2): Promise<FleetWorkerProcess[]> {
  return Promise.all(Array.from({ length: size }, () => startWorker(options)));
}
