/**
 * Task fixtures of the conformance suite: small named tasks for values, errors, crashes and
 * timing. Workers import this module by URL, so it must stay free of test-runner imports.
 */
import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { currentWorkerId, defineTasks } from '@mpool/pool-core';
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
  blob,
  callIt,
  throwHostile,
  viewLayouts,
  returnViews,
  returnFunctionAt,
  returnHostile,
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
  /** A result of `bytes` bytes (for memory tests). */
  blob: (bytes: number) => 'x'.repeat(bytes),
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
});


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
