/**
 * Task fixtures of the conformance suite: small named tasks for values, errors, crashes and
 * timing. Workers import this module by URL, so it must stay free of test-runner imports.
 */
import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { currentWorkerId, defineTasks } from '@mpool/pool-core';

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

/** An object whose enumerable getter throws an error whose message and name getters throw too. */
export function hostileObject(label: string): object {
  const out = {};
  throwingGetter(out, 'field', () => unreadable(label));
  return out;
}

/** Byte layout of a view: what the tests check to prove a view owns exactly its bytes. */
export function layoutOf(view: ArrayBufferView): { byteOffset: number; byteLength: number; bufferBytes: number } {
  return { byteOffset: view.byteOffset, byteLength: view.byteLength, bufferBytes: view.buffer.byteLength };
}

export type HostileKind =
  | 'prop-getter'
  | 'nested-getter'
  | 'message-getter'
  | 'name-getter'
  | 'stack-getter'
  | 'cause-getter'
  | 'proxy'
  | 'trapping-proxy'
  | 'revoked-proxy'
  | 'throwing-toString'
  | 'symbol-in-object';

/** An error whose reading throws, and whose own error's reading throws again. */
function unreadable(label: string): Error {
  const error = new Error(label);
  Object.defineProperty(error, 'message', {
    get() {
      throw error;
    },
  });
  Object.defineProperty(error, 'name', {
    get() {
      throw error;
    },
  });
  return error;
}

function throwingGetter(target: object, key: string, thrown: () => unknown): void {
  Object.defineProperty(target, key, {
    enumerable: true,
    get() {
      throw thrown();
    },
  });
}

/** Values whose serialization runs user code that throws (getters, proxy traps, toString). */
export function hostileThrown(kind: HostileKind): unknown {
  const error = new Error(`hostile ${kind}`);
  switch (kind) {
    case 'prop-getter':
      throwingGetter(error, 'detail', () => new Error('getter error'));
      return error;
    case 'nested-getter':
      throwingGetter(error, 'detail', () => unreadable('inner'));
      return error;
    case 'message-getter':
      throwingGetter(error, 'message', () => unreadable('message getter'));
      return error;
    case 'name-getter':
      throwingGetter(error, 'name', () => unreadable('name getter'));
      return error;
    case 'stack-getter':
      throwingGetter(error, 'stack', () => unreadable('stack getter'));
      return error;
    case 'cause-getter':
      throwingGetter(error, 'cause', () => unreadable('cause getter'));
      return error;
    case 'proxy':
      return new Proxy(error, {});
    case 'trapping-proxy':
      return new Proxy(error, {
        get() {
          throw unreadable('get trap');
        },
        ownKeys() {
          throw unreadable('ownKeys trap');
        },
        getOwnPropertyDescriptor() {
          throw unreadable('descriptor trap');
        },
        has() {
          throw unreadable('has trap');
        },
      });
    case 'revoked-proxy': {
      const { proxy, revoke } = Proxy.revocable(error, {});
      revoke();
      return proxy;
    }
    case 'throwing-toString':
      return {
        code: 7,
        toString() {
          throw unreadable('toString');
        },
      };
    case 'symbol-in-object':
      return { s: Symbol('tag'), k: 1 };
  }
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
