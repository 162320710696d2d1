/**
 * Task fixtures of the conformance suite: small named tasks for values, errors, crashes and
 * timing. Workers import this module by URL, so it must stay free of test-runner imports.
 */
import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { currentWorkerId, defineTasks, type Pool } from '@mpool/pool-core';
import { hostileObject, hostileThrown, type HostileKind } from './hostile-values.js';

export { hostileObject, hostileThrown, type HostileKind } from './hostile-values.js';

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A user-defined error class, to check that class names and fields survive the trip. */
class QuotaError extends Error {
  constructor(
    message: string,
    readonly limit: number,
  ) {
    super(message);
    this.name = 'QuotaError';
  }
}

let initialized: unknown;

export const {
  sqr,
  add,
  identity,
  sleepThen,
  spin,
  whoami,
  sleepWhoami,
  squareWithWorker,
  throwTypeError,
  throwCustom,
  throwChained,
  throwAggregate,
  throwValue,
  exitNow,
  crashInTimer,
  returnFunction,
  setInit,
  readInit,
  failInit,
  failInitLogged,
  slowInitLogged,
  recordRun,
  logThenFailAt,
  logItem,
  squareExceptFive,
  squareExitAtFive,
  blob,
  squaresInInnerPool,
  callIt,
  throwHostile,
  viewLayouts,
  returnViews,
  returnFunctionAt,
  returnHostile,
  sleepSpan,
  spinSpan,
  sleepThenFail,
  sleepThenExit,
  sleepLogged,
  tick,
} = defineTasks(import.meta.url, {
  sqr: (x: number) => x * x,
  add: (a: number, b: number) => a + b,
  identity: <T>(x: T): T => x,
  async sleepThen(ms: number, value: unknown = ms) {
    await sleepMs(ms);
    return value;
  },
  /** Busy for `ms` of CPU, like real work (no event loop turn). */
  spin(ms: number) {
    const end = Date.now() + ms;
    while (Date.now() < end);
    return ms;
  },
  whoami: () => ({ workerId: currentWorkerId(), pid: process.pid, threadId }),
  /** The id of the worker that ran it, after `ms` (two at once land on two workers if both are ready). */
  async sleepWhoami(ms: number) {
    await sleepMs(ms);
    return currentWorkerId();
  },
  squareWithWorker: (x: number) => [x * x, currentWorkerId()] as const,
  throwTypeError(message: string) {
    throw new TypeError(message);
  },
  throwCustom(limit: number) {
    const error = new QuotaError(`over quota ${limit}`, limit) as QuotaError & { code: string; details: object };
    error.code = 'E_QUOTA';
    error.details = { used: limit + 1, when: new Date(0) };
    throw error;
  },
  throwChained() {
    const root = new RangeError('root cause');
    const middle = new Error('middle', { cause: root });
    throw new Error('top', { cause: middle });
  },
  throwAggregate() {
    throw new AggregateError([new TypeError('first'), new Error('second')], 'several failed');
  },
  throwValue(value: unknown) {
    throw value;
  },
  exitNow(code: number) {
    process.exit(code);
  },
  /** An uncaught exception from a timer, while the task itself is still waiting. */
  async crashInTimer() {
    setTimeout(() => {
      throw new Error('boom in a timer');
    }, 5);
    await sleepMs(10_000);
  },
  returnFunction: () => () => 1,
  setInit(value: unknown) {
    initialized = value;
  },
  readInit: () => initialized,
  failInit(message: string) {
    throw new Error(message);
  },
  /** Logs each attempt to `file`, then fails: the test counts attempts to prove there is no respawn loop. */
  failInitLogged(file: string) {
    appendFileSync(file, `${process.pid}:${threadId}\n`);
    throw new Error('initializer refuses');
  },
  /** An initializer that takes `ms`, then logs that it finished (proves it ran to the end in every worker). */
  async slowInitLogged(file: string, ms: number) {
    await sleepMs(ms);
    appendFileSync(file, `${process.pid}:${threadId}\n`);
  },
  /** Logs `tag` to `file` when it starts, then spins `ms`: the test counts how often a task ran. */
  recordRun(file: string, tag: string, ms: number) {
    appendFileSync(file, `${tag}\n`);
    const end = Date.now() + ms;
    while (Date.now() < end);
    return tag;
  },
  /** Logs `i` to `file`, spins `ms`, and throws on item `failAt` (a starmap task: it shows which items ran). */
  logThenFailAt(file: string, i: number, failAt: number, ms: number) {
    appendFileSync(file, `${i}\n`);
    const end = Date.now() + ms;
    while (Date.now() < end);
    if (i === failAt) throw new RangeError(`item ${i} refused`);
    return i * i;
  },
  /** Logs `i` to `file` when it starts, spins `ms`, returns `i` (a one-argument task for imap). */
  logItem({ file, i, ms }: { file: string; i: number; ms: number }) {
    appendFileSync(file, `${i}\n`);
    const end = Date.now() + ms;
    while (Date.now() < end);
    return i;
  },
  /** `i * i`, except for 5, which throws RangeError. */
  squareExceptFive(i: number) {
    if (i === 5) throw new RangeError('item 5 refused');
    return i * i;
  },
  /** `i * i`, except for 5, which ends its worker with exit code 7. */
  squareExitAtFive(i: number) {
    if (i === 5) process.exit(7);
    return i * i;
  },
  /** A result of `bytes` bytes (for memory tests). */
  blob: (bytes: number) => 'x'.repeat(bytes),
  /** Runs a pool of its own at run time (a pool inside a worker), made by the backend's factory module. */
  async squaresInInnerPool(factoryModule: string, xs: number[]) {
    const { createPool } = (await import(factoryModule)) as { createPool(o: { processes: number }): Pool };
    const inner = createPool({ processes: 2 });
    try {
      const squares = await inner.map(sqr, xs);
      const innerWorkers = await inner.map(whoami, [undefined, undefined], 1);
      return { squares, outerWorker: currentWorkerId(), innerWorkers: innerWorkers.map((w) => w.workerId) };
    } finally {
      inner.close();
      await inner.join(10_000);
    }
  },
  /** Calls its argument if it is a function (it never is: functions cannot be sent). */
  callIt: (f: unknown) => (typeof f === 'function' ? (f as () => unknown)() : f),
  /** Throws a value built to break error serialization (see {@link hostileThrown}). */
  throwHostile(kind: HostileKind) {
    throw hostileThrown(kind);
  },
  /** How each typed array / Buffer / DataView argument looks inside the worker. */
  viewLayouts: (views: ArrayBufferView[]) => views.map(layoutOf),
  /** Typed arrays, Buffers and DataViews of every kind a task may return, including views into bigger buffers. */
  returnViews(seed: number) {
    const big = new Float64Array(1000).fill(seed);
    return {
      f64: new Float64Array([seed, 2]),
      u8: new Uint8Array(8).fill(seed),
      pooled: Buffer.from(`buffer ${seed}`), // Node allocates small Buffers in a shared 8 KiB pool
      sub: big.subarray(10, 12),
      view: new DataView(big.buffer, 80, 16),
      nested: new Map([['k', [new Set([new Uint16Array(new ArrayBuffer(64), 2, 3)])]]]),
    };
  },
  /** Returns `x`, except at `bad`, where it returns a function (which cannot be sent back). */
  returnFunctionAt: (x: number, bad: number) => (x === bad ? () => x : x),
  /** A result whose getter throws an error that cannot be read either: encoding it runs the getter. */
  returnHostile: () => hostileObject('result getter'),
  /** Awaits `ms`; returns when it started and ended (Date.now(), comparable across threads and processes) and where it ran. */
  async sleepSpan(ms: number) {
    const start = Date.now();
    await sleepMs(ms);
    return { start, end: Date.now(), workerId: currentWorkerId(), pid: process.pid, threadId };
  },
  /** Busy for `ms` of CPU (synchronous); returns when it started and ended, and where it ran. */
  spinSpan(ms: number) {
    const start = Date.now();
    while (Date.now() < start + ms);
    return { start, end: Date.now(), workerId: currentWorkerId(), pid: process.pid, threadId };
  },
  /** Awaits `ms`, then rejects with a RangeError saying `message`. */
  async sleepThenFail(ms: number, message: string) {
    await sleepMs(ms);
    throw new RangeError(message);
  },
  /** Awaits `ms`, then ends its worker with exit code `code` (a crash while other tasks wait beside it). */
  async sleepThenExit(ms: number, code: number) {
    await sleepMs(ms);
    process.exit(code);
  },
  /** Logs `tag` to `file` when it starts, awaits `ms`, returns `[tag, currentWorkerId()]` (the id after the await). */
  async sleepLogged(file: string, tag: string, ms: number) {
    appendFileSync(file, `${tag}\n`);
    await sleepMs(ms);
    return [tag, currentWorkerId()] as const;
  },
  /**
   * Starts, the first time it runs in a process or thread, a timer of that worker's own ticking
   * every `ms` (as a task's logging or cache would); returns how often it ticked and for how long
   * it has been ticking, there.
   */
  tick(ms: number) {
    if (ticking.timer === undefined) {
      ticking.since = performance.now();
      ticking.timer = setInterval(() => ticking.count++, ms);
      ticking.timer.unref?.();
    }
    return { count: ticking.count, forMs: performance.now() - ticking.since };
  },
});

const ticking: { timer?: ReturnType<typeof setInterval>; count: number; since: number } = { count: 0, since: 0 };


/** Byte layout of a view: what the tests check to prove a view owns exactly its bytes. */
export function layoutOf(view: ArrayBufferView): { byteOffset: number; byteLength: number; bufferBytes: number } {
  return { byteOffset: view.byteOffset, byteLength: view.byteLength, bufferBytes: view.buffer.byteLength };
}

/**
 * Declares `lateTask` only when called: the mistake of calling defineTasks inside a function.
 * Workers import this module but never call this, so they cannot find `lateTask`.
 */
export function declareLateTask() {
  return defineTasks(import.meta.url, { lateTask: (x: number) => x + 1 });
}

/** Exported plainly (no defineTasks), for taskRef tests. */
export function cube(x: number): number {
  return x * x * x;
}
