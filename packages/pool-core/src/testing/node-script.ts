/**
 * Runs a Node script in a process of its own, as a user would run a program, for tests of what
 * happens at that level (exit code, output, processes left behind). The process gets its own
 * process group, killed whole if it runs too long, and a marker in its environment that every
 * descendant inherits, so leftover processes can be found after it exited (Linux /proc).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the script had to be killed after `hangMs`. */
  hung: boolean;
  /** Pids of processes that carry the run's marker (the script's descendants) and outlived it by 2 s. */
  leftovers: number[];
}

export interface ScriptOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How long the script may run before it counts as a hang and its process group is killed. */
  hangMs?: number;
}

let runs = 0;

/** Runs `node ...args`; resolves once it exited (or was killed as hung) and leftovers were checked. */
export async function runNodeScript(args: string[], options: ScriptOptions = {}): Promise<ScriptRun> {
  const marker = `mpool-script-${process.pid}-${++runs}-${Date.now()}`;
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env, MPOOL_TEST_MARK: marker },
    cwd: options.cwd,
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
    kill(-child.pid!);
  }, options.hangMs ?? 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  const leftovers = await markedProcessesAfter(marker, 2000);
  for (const pid of leftovers) kill(pid);
  if (hung) kill(-child.pid!);
  return { code, stdout, stderr, hung, leftovers };
}

/** Pids whose environment holds `marker`, polled until there are none or `ms` passed. */
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

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
