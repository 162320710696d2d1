// Child-process helpers: run a command, time it, capture (bounded) output.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const CAP = 1 << 20; // keep at most 1 MiB of each stream

/**
 * Runs `cmd args` and resolves with { code, signal, ms, stdout, stderr, timedOut }. Never rejects
 * for a non-zero exit; rejects only if the program cannot be started.
 */
export function run(cmd, args = [], { cwd, env, timeoutMs = 600_000, stdout = 'pipe', input } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', stdout, 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d) => {
      if (out.length < CAP) out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      if (err.length < CAP) err += d;
    });
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: performance.now() - t0, stdout: out, stderr: err, timedOut });
    });
  });
}

/** Runs a shell snippet with bash (`set -o pipefail`), see {@link run}. */
export function sh(script, options) {
  return run('bash', ['-c', `set -o pipefail; ${script}`], options);
}

/** Single-quotes `s` for bash. */
export function q(s) {
  return `'${String(s).replaceAll("'", `'\\''`)}'`;
}

/** The last line of `text` that parses as a JSON object, or undefined. */
export function lastJson(text) {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      return JSON.parse(t);
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

/**
 * Spawns `cmd args` and resolves with the milliseconds from spawn to the first complete stdout
 * line (the child prints one line when its first result arrived), plus that line parsed as JSON.
 */
export function timeToFirstLine(cmd, args, { cwd, env, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let firstMs;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (firstMs === undefined && out.includes('\n')) firstMs = performance.now() - t0;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      if (err.length < CAP) err += d;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, firstMs, line: lastJson(out.split('\n')[0] ?? ''), stdout: out, stderr: err });
    });
  });
}
