/** Shared test helpers: run the built bin, make temporary trees, ask coreutils for the truth. */
import { spawn, execFileSync, type SpawnOptions } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built bin (the root `pnpm test` builds first). */
export const BIN = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));
if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (pnpm --filter @mpool/digest-cli build)`);

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Run as uid/gid 65534 (nobody) through setpriv: root ignores permissions. */
  asNobody?: boolean;
  /** A file to open as the child's stdout instead of a pipe (`/dev/full`); stdout is then empty. */
  stdoutFile?: string;
  /** Called once the child is spawned (to send signals). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

/** Runs `digest-tree args...` and collects everything. */
export function runBin(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const argv = options.asNobody
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args]
    : [process.execPath, BIN, ...args];
  const stdoutFd = options.stdoutFile === undefined ? null : openSync(options.stdoutFile, 'w');
  // Without the NODE_PATH that pnpm and vitest add (it points into node_modules/.pnpm): with it a
  // package that fails to resolve its dependencies, as in a user's shell, would still load.
  const { NODE_PATH: _, ...env } = process.env;
  const spawnOptions: SpawnOptions = { cwd: options.cwd, env: { ...env, ...options.env }, stdio: ['pipe', stdoutFd ?? 'pipe', 'pipe'] };
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), spawnOptions);
    if (stdoutFd !== null) closeSync(stdoutFd); // the child has its own copy
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('latin1') }));
    child.stdin!.end(options.input ?? '');
    options.onSpawn?.(child);
  });
}

const made: string[] = [];

/** A fresh directory under the system tmpdir, readable by everyone (for the setpriv tests). */
export function tempDir(prefix = 'digest-tree-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}

/** Removes every directory made by tempDir (call in afterAll). */
export function cleanTempDirs(): void {
  for (const dir of made.splice(0)) {
    execFileSync('chmod', ['-R', 'u+rwx', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes files: keys are paths relative to `root` (strings or raw-byte Buffers). */
export function writeTree(root: string, files: Array<[name: string | Buffer, content: string | Buffer]>): void {
  for (const [name, content] of files) {
    const full = typeof name === 'string' ? join(root, name) : Buffer.concat([Buffer.from(`${root}/`), name]);
    const parent = typeof full === 'string' ? join(full, '..') : full.subarray(0, full.lastIndexOf('/'));
    mkdirSync(parent, { recursive: true });
    writeFileSync(full, content);
  }
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** `find DIR -type f -print0 | xargs -0 sha512sum`, run in `cwd`: the reference lines. */
export function coreutilsLines(dir: string, cwd: string): Buffer[] {
  const out = execFileSync('sh', ['-c', 'find "$1" -type f -print0 | xargs -0 -r sha512sum', 'sh', dir], { cwd, maxBuffer: 1 << 28 });
  return splitLines(out);
}

/** Output split into lines (without their `\n`). */
export function splitLines(out: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = out.indexOf(10); i >= 0; i = out.indexOf(10, start)) {
    lines.push(out.subarray(start, i));
    start = i + 1;
  }
  if (start < out.length) lines.push(out.subarray(start));
  return lines;
}

/** Sorted copies of lines, for set comparison. */
export const sortedLines = (lines: Buffer[]): string[] => lines.map((l) => l.toString('latin1')).sort();

/** Sorted copy of a list of byte strings (bytewise). */
export const bytewise = (a: Buffer, b: Buffer): number => Buffer.compare(a, b);
