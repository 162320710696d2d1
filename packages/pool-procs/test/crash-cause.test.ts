/** Why a child died: its stderr tail (stdio 'lines') gives WorkerCrashedError a cause, as threads do. */
import { describe, expect, it } from 'vitest';
import { EncodingError, WorkerCrashedError } from '../src/index.js';
import { allocate, crashWithStderr, identity, pid, returnShared, sendStray } from './fixtures/tasks.js';
import { trackedPools } from './helpers.js';

const { makePool } = trackedPools();
const rejectionOf = (p: Promise<unknown>) => p.then(() => Promise.reject(new Error('expected a rejection')), (e: unknown) => e);

describe('crash causes [backend: procs]', () => {
  it('out of memory (--max-old-space-size): the cause is the V8 fatal line, coded like threads', async () => {
    const pool = makePool({ processes: 1, execArgv: ['--max-old-space-size=32'] });
    const error = (await rejectionOf(pool.apply(allocate, [512]))) as WorkerCrashedError;
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.signal).toBe('SIGABRT');
    const cause = error.cause as Error & { code?: string; stderr?: string };
    expect(cause).toBeInstanceOf(Error);
    expect(cause.message).toMatch(/^FATAL ERROR: .*JavaScript heap out of memory$/);
    expect(cause.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect(cause.stderr).toMatch(/heap out of memory/);
    expect(typeof (await pool.apply(pid))).toBe('number'); // replaced
  });

  it('an uncaught exception after lots of stderr output: the cause is the exception line; the kept tail is bounded', async () => {
    const pool = makePool({ processes: 1 });
    const error = (await rejectionOf(pool.apply(crashWithStderr, [20_000]))) as WorkerCrashedError;
    expect(error).toBeInstanceOf(WorkerCrashedError);
    const cause = error.cause as Error & { stderr?: string };
    expect(cause.message).toBe('TypeError: the real reason');
    expect(cause.stderr).toMatch(/TypeError: the real reason/);
    expect(cause.stderr!.length).toBeLessThanOrEqual(16 * 1024);
  });

  it('a child that cannot start (bad Node flag): the pool fails with the flag error as cause', async () => {
    const pool = makePool({ processes: 1, execArgv: ['--no-such-flag'] });
    const error = (await rejectionOf(pool.apply(pid))) as WorkerCrashedError;
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error.cause as Error).message).toMatch(/^\S*node: bad option: --no-such-flag$/);
  });

  it("stdio 'ignore' and 'inherit': stderr is not seen, so a crash has no cause", async () => {
    for (const stdio of ['ignore', 'inherit'] as const) {
      const pool = makePool({ processes: 1, stdio });
      const error = (await rejectionOf(pool.apply(crashWithStderr, [0]))) as WorkerCrashedError;
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error.cause).toBeUndefined();
    }
  });
});

describe('values processes cannot share [backend: procs]', () => {
  it('a SharedArrayBuffer result: EncodingError naming the task and saying why, the child survives', async () => {
    const pool = makePool({ processes: 1 });
    const before = await pool.apply(pid);
    const error = (await rejectionOf(pool.apply(returnShared, [8]))) as EncodingError;
    expect(error).toBeInstanceOf(EncodingError);
    expect(error.message).toMatch(/^the result of task returnShared \(input item 0\) could not be sent back from the worker: .*SharedArrayBuffer/);
    expect(await pool.apply(pid)).toBe(before);
  });

  it('a SharedArrayBuffer argument: EncodingError naming the item', async () => {
    const pool = makePool({ processes: 1 });
    const error = (await rejectionOf(pool.map(identity, [1, 2, new SharedArrayBuffer(4)]))) as EncodingError;
    expect(error).toBeInstanceOf(EncodingError);
    expect(error.message).toMatch(/arguments of task identity \(input item 2\)/);
    expect((error.cause as Error).message).toMatch(/SharedArrayBuffer/);
  });
});

describe('messages that are not mpool\'s [backend: procs]', () => {
  it('a task calling process.send() does not disturb its batch or its child (the message is ignored with a warning)', async () => {
    const pool = makePool({ processes: 1 });
    const before = await pool.apply(pid);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      expect(await pool.apply(sendStray)).toBe('ok');
      expect(await pool.apply(pid)).toBe(before);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.some((w) => /ignored a message from worker process/.test(w))).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
