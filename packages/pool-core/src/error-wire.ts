/**
 * The one place where errors cross a worker boundary: {@link serializeError} runs on the worker
 * side, {@link deserializeError} rebuilds a real error on the main side. Every backend uses this
 * pair, so errors look the same on threads and processes.
 *
 * Reading a thrown value runs user code (getters, proxy traps, `toString`) that may throw, and
 * what it throws may throw again when read. serializeError reads every part on its own, behind a
 * guard, so one unreadable part is described and the rest (above all the message) still arrives;
 * it never throws, so serializing can never crash a worker.
 */
import { types } from 'node:util';
import { EncodingError, TopLevelPoolError } from './errors.js';

/** What a thrown value looks like on the wire. Everything in it is structured-cloneable. */
export type SerializedError =
  | {
      kind: 'error';
      /** Built-in constructor to rebuild with, when the error was an instance of one. */
      ctor: BuiltinErrorName;
      name: string;
      message: string;
      stack: string | undefined;
      props: Record<string, unknown>;
      cause?: SerializedError;
      errors?: SerializedError[];
      /**
       * Set by the worker loop when this error stands for a result that could not be sent back:
       * the index of that result in its batch (the main side turns it into the input item's index).
       */
      unsentResult?: number;
    }
  | { kind: 'value'; value: unknown };

/** Names of the error classes that are rebuilt as themselves on the main side. */
export type BuiltinErrorName =
  | 'Error'
  | 'TypeError'
  | 'RangeError'
  | 'SyntaxError'
  | 'ReferenceError'
  | 'EvalError'
  | 'URIError'
  | 'AggregateError'
  | 'EncodingError'
  | 'TopLevelPoolError';

/**
 * Classes rebuilt as themselves: JavaScript's built-ins, and mpool's own (raised inside workers too).
 * A function, not a constant: errors.ts and this module import each other.
 */
let builtinTable: Record<BuiltinErrorName, new (...args: never[]) => Error> | undefined;
const builtinErrors = (): Record<BuiltinErrorName, new (...args: never[]) => Error> =>
  (builtinTable ??= {
    Error,
    TypeError,
    RangeError,
    SyntaxError,
    ReferenceError,
    EvalError,
    URIError,
    AggregateError,
    EncodingError,
    TopLevelPoolError,
  });

const MAX_DEPTH = 16;
/** How deep a non-cloneable thrown object is taken apart to keep its cloneable fields. */
const MAX_VALUE_DEPTH = 4;
const SKIPPED_PROPS = new Set(['name', 'message', 'stack', 'cause', 'errors']);

/** True when `value` survives structured cloning (the encoding both backends use). */
export function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** `read()`, or `fallback(thrown)` if reading threw. */
function guarded<T>(read: () => T, fallback: (thrown: unknown) => T): T {
  try {
    return read();
  } catch (thrown) {
    return fallback(thrown);
  }
}

/** A short description of any value, e.g. `Error: msg`, `symbol`, `revoked Proxy`. Never throws. */
export function describeValue(value: unknown): string {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return guarded(() => String(value), () => typeof value);
  }
  if (types.isProxy(value) && guarded(() => (Reflect.getPrototypeOf(value), false), () => true)) return 'revoked Proxy';
  return guarded(
    () => String(value),
    () => guarded(() => Object.prototype.toString.call(value), () => typeof value),
  );
}

/** The text that stands for a part of a thrown value that could not be read. */
const unreadable = (thrown: unknown) => `[unserializable: reading it threw ${describeValue(thrown)}]`;

/** What stands for a value that cannot be cloned: its kind, e.g. `[unserializable function]`, `[unserializable MessagePort]`. */
function unsendable(value: unknown): string {
  if (value === null || typeof value !== 'object') return `[unserializable ${typeof value}]`;
  if (types.isProxy(value)) return `[unserializable ${describeValue(value) === 'revoked Proxy' ? 'revoked Proxy' : 'Proxy'}]`;
  const ctor = guarded(() => (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name, () => undefined);
  return `[unserializable ${typeof ctor === 'string' && ctor !== '' && ctor !== 'Object' ? ctor : 'object'}]`;
}

/**
 * `value` if it can be sent (`sendable`, default: cloneable); otherwise, for objects and arrays, a
 * copy of their own fields with each unsendable one replaced the same way (to a bounded depth),
 * and a description for anything else.
 */
export function keepSendable(value: unknown, sendable: (value: unknown) => boolean = isCloneable, depth = 0): unknown {
  if (sendable(value)) return value;
  if (value === null || typeof value !== 'object' || depth >= MAX_VALUE_DEPTH || types.isProxy(value)) return unsendable(value);
  const keys = guarded(() => Object.keys(value), () => null);
  if (keys === null) return unsendable(value);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const key of keys) {
    const field = guarded(() => (value as Record<string, unknown>)[key], (thrown) => unreadable(thrown));
    Object.defineProperty(copy, key, { value: keepSendable(field, sendable, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/**
 * A copy of `wire` in which every value passes `sendable`. serializeError checks cloneability;
 * a transport may refuse more (processes cannot share a SharedArrayBuffer): this fixes that up.
 */
export function sendableError(wire: SerializedError, sendable: (value: unknown) => boolean): SerializedError {
  if (wire.kind === 'value') return { kind: 'value', value: keepSendable(wire.value, sendable) };
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wire.props)) {
    Object.defineProperty(props, key, { value: keepSendable(value, sendable, MAX_VALUE_DEPTH), enumerable: true, writable: true, configurable: true });
  }
  const out: SerializedError = { ...wire, props };
  if (wire.cause) out.cause = sendableError(wire.cause, sendable);
  if (wire.errors) out.errors = wire.errors.map((e) => sendableError(e, sendable));
  return out;
}

function isError(value: unknown): value is Error {
  return types.isNativeError(value) || guarded(() => value instanceof Error, () => false);
}

function builtinOf(err: Error): BuiltinErrorName {
  // The most derived built-in in the prototype chain (a class extending TypeError is a TypeError).
  const builtins = builtinErrors();
  for (let proto = guarded(() => Object.getPrototypeOf(err), () => null); proto; proto = guarded(() => Object.getPrototypeOf(proto), () => null)) {
    const ctor = guarded(() => (proto as { constructor?: unknown }).constructor, () => undefined) as { name?: unknown } | undefined;
    const ctorName = guarded(() => ctor?.name, () => undefined);
    if (typeof ctorName === 'string' && Object.hasOwn(builtins, ctorName) && builtins[ctorName as BuiltinErrorName] === ctor) {
      return ctorName as BuiltinErrorName;
    }
  }
  return 'Error';
}

/** Worker side: turn any thrown value into a message-safe description. Never throws. */
export function serializeError(thrown: unknown, depth = 0): SerializedError {
  try {
    return isError(thrown) ? serializeErrorObject(thrown, depth) : { kind: 'value', value: serializeValue(thrown) };
  } catch {
    // Every read above is guarded; this is the last line of defence (e.g. out of stack space).
    return { kind: 'value', value: unsendable(thrown) };
  }
}

/** A thrown non-error: itself if cloneable; objects keep their cloneable fields; anything else is described. */
function serializeValue(thrown: unknown): unknown {
  if (thrown !== null && typeof thrown === 'object') return keepSendable(thrown);
  return isCloneable(thrown) ? thrown : describeValue(thrown);
}

function serializeErrorObject(thrown: Error, depth: number): SerializedError {
  const read = (key: string) => (thrown as unknown as Record<string, unknown>)[key];
  const props: Record<string, unknown> = {};
  for (const key of guarded(() => Object.keys(thrown), () => [])) {
    if (SKIPPED_PROPS.has(key)) continue;
    const value = guarded(() => read(key), unreadable);
    // A field that cannot be sent is described rather than dropped silently.
    Object.defineProperty(props, key, { value: isCloneable(value) ? value : unsendable(value), enumerable: true, writable: true, configurable: true });
  }
  const ctor = builtinOf(thrown);
  const out: SerializedError = {
    kind: 'error',
    ctor,
    name: guarded(() => String(read('name')), () => ctor),
    message: guarded(() => String(read('message')), unreadable),
    stack: guarded(() => {
      const stack = read('stack');
      return typeof stack === 'string' ? stack : undefined;
    }, () => undefined),
    props,
  };
  if (depth < MAX_DEPTH && guarded(() => 'cause' in thrown, () => false)) {
    const cause = guarded(() => read('cause'), (error) => unreadable(error));
    if (cause !== undefined) out.cause = serializeError(cause, depth + 1);
  }
  if (depth < MAX_DEPTH && ctor === 'AggregateError') {
    const errors = guarded(() => {
      const list = read('errors');
      return Array.isArray(list) ? [...list] : [];
    }, () => []);
    out.errors = errors.map((e: unknown) => serializeError(e, depth + 1));
  }
  return out;
}

/**
 * Main side: rebuild the error. Built-in classes come back as those classes; other classes come
 * back as `Error` with the original `name`. The stack is the worker's (it holds the throwing line).
 */
export function deserializeError(wire: SerializedError): unknown {
  if (wire.kind === 'value') return wire.value;
  const Ctor = builtinErrors()[wire.ctor] ?? Error;
  const nested = Ctor === AggregateError ? (wire.errors ?? []).map(deserializeError) : [];
  // The stack is the worker's (set below): capturing and formatting a main-side one that is
  // thrown away would make every failure cost several times what a success costs.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let err: Error;
  try {
    err = Ctor === AggregateError ? new AggregateError(nested, wire.message) : new (Ctor as ErrorConstructor)(wire.message);
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (err.name !== wire.name) {
    Object.defineProperty(err, 'name', { value: wire.name, writable: true, configurable: true, enumerable: false });
  }
  if (wire.stack !== undefined) {
    Object.defineProperty(err, 'stack', { value: wire.stack, writable: true, configurable: true, enumerable: false });
  }
  if (wire.cause !== undefined) {
    Object.defineProperty(err, 'cause', {
      value: deserializeError(wire.cause),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  // defineProperty, not assignment: a field named like a setter (`__proto__`) stays a plain field.
  for (const [key, value] of Object.entries(wire.props)) {
    Object.defineProperty(err, key, { value, writable: true, configurable: true, enumerable: true });
  }
  return err;
}
