/**
 * Child-process side: adapt the IPC channel to pool-core's one worker loop, and make sure the
 * child never outlives its parent. argv: `[parentPid, ...flags]`, flags `watchdog` and `blocking-stdio`.
 */
import { Worker } from 'node:worker_threads';
import { serve, type WorkerMessage } from '@mpool/pool-core';

if (!process.send) throw new Error('@mpool/pool-procs worker entry must be started by ProcessPool (it needs an IPC channel)');
const parentPid = Number(process.argv[2]);
const flags = new Set(process.argv.slice(3));
/** Once buffers are flushed a leaving child exits, even if user code left handles open; at the latest after this. */
const LEAVE_DEADLINE_MS = 2000;

let leaving = false;
let sending = 0; // IPC writes not yet handed to the OS

function sent(): void {
  sending--;
}

function send(msg: WorkerMessage): void {
  if (!process.connected) return; // the parent is gone: nobody to answer
  sending++;
  try {
    // Throws synchronously when `msg` cannot be serialized: serve() turns that into EncodingError.
    process.send!(msg, undefined, undefined, sent);
  } catch (error) {
    sending--;
    throw error;
  }
}

const flushed = () => sending === 0 && process.stdout.writableLength === 0 && process.stderr.writableLength === 0;

/**
 * Leaves without losing output: `process.exit()` would drop IPC replies and pipe writes still in
 * flight, so set the exit code, close the channel once replies are written, and let the process
 * end by itself. If user code keeps the loop alive (timers, sockets), exit as soon as everything
 * is flushed, and after {@link LEAVE_DEADLINE_MS} whatever happens.
 */
function leave(): void {
  if (leaving) return;
  leaving = true;
  process.exitCode = 0;
  const started = Date.now();
  const poll = setInterval(() => {
    if (sending === 0 && process.connected) process.disconnect();
    if ((flushed() && !process.connected) || Date.now() - started > LEAVE_DEADLINE_MS) process.exit();
  }, 5);
  poll.unref();
  // Not disconnect() right away: Node 20 throws inside its replay of messages that arrived
  // before the listener was attached if the channel closes during that replay.
  setImmediate(() => {
    if (sending === 0 && process.connected) process.disconnect();
  });
}

// The parent closed the channel or died: nobody will ever send work or read results.
process.on('disconnect', leave);

// stdout/stderr are pipes of our own (stdio 'lines'): make writes blocking, so that output written
// just before `process.exit()` in a task is not lost (Node drops what a full pipe had not taken).
// Never done for inherited fds: the flag would change the parent's file description too.
if (flags.has('blocking-stdio')) {
  for (const stream of [process.stdout, process.stderr]) (stream as unknown as { _handle?: { setBlocking?(on: boolean): number } })._handle?.setBlocking?.(true);
}
if (flags.has('watchdog')) startWatchdog();
if (process.ppid !== parentPid) leave(); // the parent died while this child was starting

serve({
  send,
  onMessage: (handler) => process.on('message', handler as (msg: unknown) => void),
  exit: leave,
});

/**
 * A tiny thread that kills this process once its parent is gone (`ppid` changes when the parent
 * dies and the child is re-parented). It works while the main thread runs synchronous code,
 * where the channel's 'disconnect' cannot be observed.
 */
function startWatchdog(): void {
  const source = `
    const parent = ${JSON.stringify(parentPid)};
    setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL'); }, 250);`;
  const thread = new Worker(source, { eval: true, execArgv: [], argv: [] });
  thread.unref();
  // The thread cannot fail in normal operation; if it does, the channel check still protects us.
  thread.on('error', () => undefined);
}
