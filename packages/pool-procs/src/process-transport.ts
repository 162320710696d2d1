/** Main side of the processes backend: one `child_process.fork` per pool worker, messages over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { siblingWorkerEntry, tsxFrom, tsxInArgv, tsxOfParent, type ExitInfo, type ParentMessage, type Transport, type WorkerEvents, type WorkerHandle, type WorkerMessage } from '@mpool/pool-core';
import { childEnv } from './child-env.js';
import { forwardLines } from './line-forwarder.js';
import { crashCause, StderrTail } from './stderr-tail.js';
import { SideChannel } from './side-channel.js';
import { openSideFile, SideFile } from './side-file.js';
import { assertSendable } from './wire-codec.js';

/** Options of the processes backend only. */
export interface ProcessTransportOptions {
  /**
   * Node flags of each child (e.g. `['--max-old-space-size=4096']`). Default `[]`: children never
   * inherit the parent's flags (a test runner's or `--inspect` would break them); pass
   * `process.execArgv` to inherit on purpose. When the program runs under tsx (`tsx main.ts`,
   * `node --import tsx`), or from TypeScript source, tsx's loader is added (unless these flags load it).
   */
  execArgv?: string[];
  /**
   * Environment of each child. Default `process.env`. Replaces it, as in `child_process`; glibc
   * malloc settings for big buffers are added unless it sets them itself (see child-env.ts).
   */
  env?: NodeJS.ProcessEnv;
  /** Working directory of each child. Default `process.cwd()`. Task module URLs are absolute, so any works. */
  cwd?: string;
  /**
   * What happens to the children's stdout and stderr (their stdin is always empty, as in Python):
   * - `'lines'` (default): piped, and written to the parent's `process.stdout` / `process.stderr`
   *   one whole line at a time, so a child can never split a line the parent writes; output a
   *   child wrote before it exited is forwarded in full. A last line without a newline gets one.
   * - `'inherit'`: the children write to the parent's file descriptors themselves (raw and fastest,
   *   but their writes can interleave with the parent's in the middle of a line).
   * - `'ignore'`: discarded.
   *
   * In `'lines'` mode the parent also keeps the last 16 KiB of each child's stderr: when a child
   * dies, the V8 fatal line (out of memory) or the uncaught exception's line found there becomes
   * the `cause` of the WorkerCrashedError. With `'inherit'` and `'ignore'` the parent never sees
   * the children's stderr, so crashes have no cause.
   */
  stdio?: 'lines' | 'inherit' | 'ignore';
  /**
   * A child whose parent dies exits when it sees its IPC channel close, which needs its event loop.
   * With the watchdog (default `true`), a small thread in each child also polls the parent pid and
   * kills the child within ~250 ms even while a task runs synchronous code. Costs ~10 MB per child.
   */
  orphanWatchdog?: boolean;
}

/** SIGTERM first; a child still running after this long gets SIGKILL. */
export const KILL_GRACE_MS = 1500;
/** After a child exited, how long its pipes may stay open (held by a grandchild) before we stop waiting. */
const CLOSE_WAIT_MS = 1000;
const STDIO_MODES = new Set(['lines', 'inherit', 'ignore']);

/** A {@link WorkerHandle} that also knows its process. */
export interface ProcessWorkerHandle extends WorkerHandle {
  /** The child's pid (`undefined` if it could not be started). */
  readonly pid: number | undefined;
}

/**
 * The `Transport` of {@link ProcessPool}: forks `worker.js` (the sibling of this module with its
 * own extension) with `serialization: 'advanced'`; messages are encoded by wire-codec.ts, so they
 * carry what structured clone carries (Buffers, typed arrays, Map, Set, Date, BigInt, errors) and
 * refuse what it refuses.
 * @throws TypeError if an option has the wrong type.
 */
export class ProcessTransport implements Transport {
  readonly name = 'procs';
  readonly #entry: { file: string; loader: string[] };
  readonly #children = new Set<ChildProcess>();
  readonly #options: Required<Pick<ProcessTransportOptions, 'execArgv' | 'stdio' | 'orphanWatchdog'>> &
    Pick<ProcessTransportOptions, 'env' | 'cwd'>;

  constructor(options: ProcessTransportOptions = {}) {
    const { execArgv = [], env, cwd, stdio = 'lines', orphanWatchdog = true } = options;
    if (!Array.isArray(execArgv) || !execArgv.every((a) => typeof a === 'string')) throw new TypeError('ProcessPool: execArgv must be an array of strings');
    if (env !== undefined && (env === null || typeof env !== 'object')) throw new TypeError('ProcessPool: env must be an object');
    if (cwd !== undefined && typeof cwd !== 'string') throw new TypeError('ProcessPool: cwd must be a string');
    if (!STDIO_MODES.has(stdio)) throw new TypeError(`ProcessPool: stdio must be 'lines', 'inherit' or 'ignore', got ${String(stdio)}`);
    this.#options = { execArgv: [...execArgv], env, cwd, stdio, orphanWatchdog: orphanWatchdog !== false };
    this.#entry = childEntry(execArgv);
  }

  /** Pids of the children that are running (started and not yet exited). */
  get pids(): number[] {
    return [...this.#children].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  spawn(events: WorkerEvents): ProcessWorkerHandle {
    const { execArgv, env, cwd, stdio, orphanWatchdog } = this.#options;
    const out = stdio === 'lines' ? 'pipe' : stdio;
    const fileFd = openSideFile();
    const flags = [...(orphanWatchdog ? ['watchdog'] : []), ...(stdio === 'lines' ? ['blocking-stdio'] : []), ...(fileFd === null ? [] : ['side-file'])];
    let child: ChildProcess;
    try {
      child = fork(this.#entry.file, [String(process.pid), ...flags], {
        // Always explicit: a fork otherwise inherits the parent's flags (e.g. a test runner's).
        execArgv: [...this.#entry.loader, ...execArgv],
        env: childEnv(env),
        cwd,
        serialization: 'advanced',
        // fd 4 of the child: the side channel for the bytes of big views (see side-channel.ts);
        // fd 5: the side file, where there is one (see side-file.ts).
        stdio: ['ignore', out, out, 'ipc', 'pipe', ...(fileFd === null ? [] : [fileFd])],
      });
    } catch (error) {
      if (fileFd !== null) new SideFile(fileFd, true).close();
      throw error;
    }
    const sideFile = fileFd === null ? null : new SideFile(fileFd, true);
    this.#children.add(child);
    if (child.stdout) forwardLines(child.stdout, process.stdout);
    if (child.stderr) forwardLines(child.stderr, process.stderr);
    const stderrTail = child.stderr ? new StderrTail(child.stderr) : undefined;

    let reported = false;
    let killTimer: NodeJS.Timeout | undefined;
    let resolveGone!: () => void;
    const gone = new Promise<void>((resolve) => (resolveGone = resolve));
    const report = (info: ExitInfo) => {
      if (reported) return;
      reported = true;
      clearTimeout(killTimer);
      sideFile?.close();
      this.#children.delete(child);
      events.exit(info);
      resolveGone();
    };
    const sideSocket = child.stdio[4] as Duplex | null | undefined;
    const side = sideSocket ? new SideChannel(sideSocket, (msg) => reported || events.message(msg as WorkerMessage), sideFile) : undefined;
    // The child, its IPC channel and its pipes each keep the loop alive: all five follow the engine.
    const handles = [child, child.channel, child.stdout, child.stderr, sideSocket] as Array<Ref | null | undefined>;
    const setRef = (on: boolean) => {
      for (const h of handles) on ? h?.ref() : h?.unref();
    };

    child.on('message', (msg) => {
      if (reported) return;
      // Only mpool's encoded messages; anything else (a task calling process.send) is not for us.
      try {
        side!.receive(msg);
      } catch {
        process.emitWarning(`mpool: ignored a message from worker process ${child.pid} that mpool did not send`, 'MpoolProtocolWarning');
      }
    });
    // Send errors after the child died (ERR_IPC_CHANNEL_CLOSED, EPIPE) are followed by its exit,
    // which fails what it held; only a spawn failure (no pid) ends the worker here.
    child.on('error', (error) => {
      if (child.pid === undefined) report({ exitCode: null, signal: null, error });
    });
    child.on('exit', (exitCode, signal) => {
      // What the child wrote to stderr is complete once its pipes are drained, as are its replies.
      const exited = (): ExitInfo => {
        const error = stderrTail && (exitCode !== 0 || signal !== null) ? crashCause(stderrTail.text()) : undefined;
        return error ? { exitCode, signal, error } : { exitCode, signal };
      };
      // Replies sent just before the exit may still be in the pipe: wait for 'close' (IPC and
      // stdio drained), unless a grandchild holds the pipes open.
      const timer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        sideSocket?.destroy();
        report(exited());
      }, CLOSE_WAIT_MS);
      child.once('close', () => {
        clearTimeout(timer);
        report(exited());
      });
    });
    return {
      get pid() {
        return child.pid;
      },
      // encodeMessage throws synchronously when the message cannot be sent, which is what the
      // engine needs for EncodingError (see wire-codec.ts for why we encode ourselves).
      send: (msg: ParentMessage) => {
        side!.send(msg, (wire) => child.send(wire));
      },
      assertSendable,
      // The engine keeps a leaving worker ref'd until it exits, so join() always settles.
      ref: () => setRef(true),
      unref: () => setRef(false),
      kill: () => {
        if (!reported && killTimer === undefined) {
          child.kill('SIGTERM');
          killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        }
        return gone;
      },
    };
  }
}

interface Ref {
  ref(): void;
  unref(): void;
}

/**
 * The child's script and the loader flags it needs. From dist: the sibling `worker.js` /
 * `worker.cjs`; from TypeScript source (tests): `worker.ts` with this package's own tsx. A program
 * running under tsx (`tsx main.ts`, `node --import tsx`) gets its own tsx in the children too
 * (by absolute URL, so it resolves whatever the children's cwd), so `.ts` task modules load there
 * as they do in the parent; unless the caller's `execArgv` loads tsx itself.
 */
function childEntry(userExecArgv: readonly string[]): { file: string; loader: string[] } {
  const { url, fromSource } = siblingWorkerEntry(import.meta.url);
  const file = fileURLToPath(url);
  const tsx = fromSource ? tsxFrom(fileURLToPath(import.meta.url)) : tsxOfParent();
  if (fromSource && !tsx) throw new Error(`cannot find tsx from ${fileURLToPath(import.meta.url)} (needed to run children from TypeScript source)`);
  if (!tsx || tsxInArgv(userExecArgv)) return { file, loader: [] };
  return { file, loader: ['--import', tsx.loader] };
}
