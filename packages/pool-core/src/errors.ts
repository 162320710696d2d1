/**
 * Error classes of mpool, and the one place where errors cross a worker boundary:
 * {@link serializeError} runs on the worker side, {@link deserializeError} rebuilds a real error
 * on the main side. Every backend uses this pair, so errors look the same on threads and processes.
 */

/** Base class of the errors that mpool itself raises (not the ones your tasks throw). */
export class PoolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** `AsyncResult.get(timeoutMs)` / `wait`-style deadline passed. The task itself keeps running. */
export class TimeoutError extends PoolError {
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number) {
    super(message);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The pool is in the wrong state for the call: work submitted after `close()`/`terminate()`,
 * `join()` before either, or a result that was still pending when the pool was terminated.
 */
export class PoolStateError extends PoolError {}

/**
 * A pool was created by the top-level code of a module while a pool worker imported it to find a
 * task (or the initializer): the script's main code ran again inside the worker. Declare the tasks
 * in a module of their own, or guard the main code with `if (!isPoolWorker())`. Python raises
 * RuntimeError here; without it every worker would start a pool, for ever.
 */
export class TopLevelPoolError extends PoolStateError {}

/** `AsyncResult.successful()` was called before the result was ready (Python: ValueError). */
export class ResultNotReadyError extends PoolError {}

/** The worker running (or holding) the task exited. `exitCode`/`signal` say how. */
export class WorkerCrashedError extends PoolError {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly workerId: number;
  constructor(message: string, info: { exitCode: number | null; signal: NodeJS.Signals | null; workerId: number }) {
    super(message);
    this.exitCode = info.exitCode;
    this.signal = info.signal;
    this.workerId = info.workerId;
  }
}

/** An argument or a result could not be sent across the worker boundary (Python: MaybeEncodingError). */
export class EncodingError extends PoolError {}

/** The pool's `initializer` threw; `cause` is the initializer's error. The pool is broken for good. */
export class InitializerError extends PoolError {}

/** The call's AbortSignal fired; `cause` is `signal.reason`. `code` matches Node's own AbortError. */
export class AbortError extends PoolError {
  readonly code = 'ABORT_ERR';
}

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
    }
  | { kind: 'value'; value: unknown };

/** Classes rebuilt as themselves: JavaScript's built-ins, and mpool's own (raised inside workers too). */
const BUILTIN_ERRORS: Record<BuiltinErrorName, new (...args: never[]) => Error> = {
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
};
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

const MAX_DEPTH = 16;
const SKIPPED_PROPS = new Set(['name', 'message', 'stack', 'cause', 'errors']);

function builtinOf(err: Error): BuiltinErrorName {
  // The most derived built-in in the prototype chain (a class extending TypeError is a TypeError).
  for (let proto = Object.getPrototypeOf(err); proto; proto = Object.getPrototypeOf(proto)) {
    const ctorName = proto.constructor?.name as string | undefined;
    if (ctorName && ctorName in BUILTIN_ERRORS && BUILTIN_ERRORS[ctorName as BuiltinErrorName] === proto.constructor) {
      return ctorName as BuiltinErrorName;
    }
  }
  return 'Error';
}

/** True when `value` survives structured cloning (the encoding both backends use). */
export function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Worker side: turn any thrown value into a message-safe description. Never throws. */
export function serializeError(thrown: unknown, depth = 0): SerializedError {
  if (!(thrown instanceof Error)) {
    return { kind: 'value', value: isCloneable(thrown) ? thrown : String(thrown) };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (SKIPPED_PROPS.has(key)) continue;
    const value = (thrown as unknown as Record<string, unknown>)[key];
    // A field that cannot be sent is described rather than dropped silently.
    props[key] = isCloneable(value) ? value : `[unserializable ${typeof value}]`;
  }
  const out: SerializedError = {
    kind: 'error',
    ctor: builtinOf(thrown),
    name: String(thrown.name),
    message: String(thrown.message),
    stack: typeof thrown.stack === 'string' ? thrown.stack : undefined,
    props,
  };
  if (depth < MAX_DEPTH && 'cause' in thrown && thrown.cause !== undefined) {
    out.cause = serializeError(thrown.cause, depth + 1);
  }
  if (depth < MAX_DEPTH && thrown instanceof AggregateError && Array.isArray(thrown.errors)) {
    out.errors = thrown.errors.map((e: unknown) => serializeError(e, depth + 1));
  }
  return out;
}

/**
 * Main side: rebuild the error. Built-in classes come back as those classes; other classes come
 * back as `Error` with the original `name`. The stack is the worker's (it holds the throwing line).
 */
export function deserializeError(wire: SerializedError): unknown {
  if (wire.kind === 'value') return wire.value;
  const Ctor = BUILTIN_ERRORS[wire.ctor] ?? Error;
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
  Object.assign(err, wire.props);
  return err;
}
