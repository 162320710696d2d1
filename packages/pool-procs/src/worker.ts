/**
 * Child-process side: adapt the IPC channel to pool-core's one worker loop, and make sure the
 * child never outlives its parent. argv: `[parentPid, ...flags]`, flags `watchdog`, `blocking-stdio` and `side-file`.
 */
import { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { serve, type ParentMessage, type WorkerMessage } from '@mpool/pool-core';
import { SideChannel } from './side-channel.js';
import { SIDE_FILE_FD, SideFile } from './side-file.js';
import { assertSendable } from './wire-codec.js';

if (!process.send) throw new Error('@mpool/pool-procs worker entry must be started by ProcessPool (it needs an IPC channel)');
const parentPid = Number(process.argv[2]);
const flags = new Set(process.argv.slice(3));
/** A leaving child exits once its buffers are flushed, or after this long whatever happens. */
const LEAVE_DEADLINE_MS = 2000;
/** When the parent is gone nobody reads our output: do not wait long for it. */
const ORPHAN_DEADLINE_MS = 200;

/** fd 4: the side channel for the bytes of big views (see side-channel.ts). */
const SIDE_FD = 4;

let leaving = false;
let sending = 0; // IPC writes not yet handed to the OS

function sent(): void {
  sending--;
}

let deliver: (msg: ParentMessage) => void = () => undefined;
// Never keeps the child alive by itself: the IPC channel does, and leave() ends the process.
const sideSocket = new Socket({ fd: SIDE_FD, readable: true, writable: true }).unref();
// fd 5, with the flag `side-file`: the memory file for big views' bytes (see side-file.ts).
const side = new SideChannel(sideSocket, (msg) => deliver(msg as ParentMessage), flags.has('side-file') ? new SideFile(SIDE_FILE_FD, false) : null);

function sendWire(wire: string | Buffer): void {
  sending++;
  try {
    process.send!(wire, undefined, undefined, sent);
  } catch (error) {
    sending--;
    throw error;
  }
}

function send(msg: WorkerMessage): void {
  if (!process.connected) return; // the parent is gone: nobody to answer
  // Encoding throws synchronously when `msg` cannot be sent: serve() turns that into EncodingError.
  side.send(msg, sendWire);
}

const flushed = () => sending === 0 && side.unwritten === 0 && process.stdout.writableLength === 0 && process.stderr.writableLength === 0;

/**
 * Leaves without losing output: `process.exit()` would drop IPC replies and pipe writes still in
 * flight, so set the exit code, close the channel once replies are written, and let the process
 * end by itself. If user code keeps the loop alive (timers, sockets), exit as soon as everything
 * is flushed, and after `deadlineMs` whatever happens.
 */
function leave(deadlineMs = LEAVE_DEADLINE_MS): void {
  if (leaving) return;
  leaving = true;
  process.exitCode = 0;
  const started = Date.now();
  const poll = setInterval(() => {
    if (sending === 0 && process.connected) process.disconnect();
    if ((flushed() && !process.connected) || Date.now() - started > deadlineMs) process.exit();
  }, 5);
  poll.unref();
  // Not disconnect() right away: Node 20 throws inside its replay of messages that arrived
  // before the listener was attached if the channel closes during that replay.
  setImmediate(() => {
    if (sending === 0 && process.connected) process.disconnect();
  });
}

// Not our own disconnect (leave() sets `leaving` first): the parent died or closed the channel,
// so nobody will ever send work or read results. Works while tasks await; see the watchdog for
// tasks that never yield.
process.on('disconnect', () => leave(ORPHAN_DEADLINE_MS));

// stdout/stderr are pipes of our own (stdio 'lines'): make writes blocking, so that output written
// just before `process.exit()` in a task is not lost (Node drops what a full pipe had not taken).
// Never done for inherited fds: the flag would change the parent's file description too.
if (flags.has('blocking-stdio')) {
  for (const stream of [process.stdout, process.stderr]) (stream as unknown as { _handle?: { setBlocking?(on: boolean): number } })._handle?.setBlocking?.(true);
}
if (flags.has('watchdog')) startWatchdog();
if (process.ppid !== parentPid) leave(ORPHAN_DEADLINE_MS); // the parent died while this child was starting

serve({
  send,
  onMessage: (handler) => {
    deliver = handler;
    process.on('message', (msg: unknown) => side.receive(msg));
  },
  assertSendable,
  exit: () => leave(),
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
