/**
 * Values that cannot cross the worker boundary: finding which one, and the EncodingError that
 * names its task, its input item and the encoder's own error (as `cause`). Arguments are checked
 * on the main side, results on the worker side; only after a `send` failed, so the fast path
 * pays nothing. The check is the transport's own (`assertSendable`), because backends refuse
 * different values (processes cannot share a SharedArrayBuffer; threads can).
 */
import { describeValue, deserializeError, sendableError, serializeError, type SerializedError } from './error-wire.js';
import { EncodingError } from './errors.js';
import type { Batch } from './job.js';
import type { BatchReply } from './protocol.js';

type Checker = { assertSendable?(value: unknown): void };

/** The error `send` would throw for `value` on `channel`, or `undefined` if it can be sent. */
export function sendError(channel: Checker, value: unknown): unknown {
  try {
    if (channel.assertSendable) channel.assertSendable(value);
    else structuredClone(value);
    return undefined;
  } catch (error) {
    return error ?? new Error(`${describeValue(value)} cannot be sent`);
  }
}

/** The message of an encoder's error, for our own messages. Never throws (it may be a user's hostile error). */
function messageOf(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
  } catch {
    // a getter or a proxy that throws: described below
  }
  return describeValue(error);
}

/** Main side: the EncodingError of a batch whose arguments `channel` cannot send. */
export function unsentArgumentsError(batch: Batch, channel: Checker): EncodingError {
  let cause: unknown;
  const bad = batch.items.findIndex((item) => (cause = sendError(channel, item)) !== undefined);
  const which = bad >= 0 ? `input item ${batch.start + bad}` : `input items ${batch.start}-${batch.start + batch.items.length - 1}`;
  const why = bad >= 0 ? `${messageOf(cause)} ` : '';
  return new EncodingError(
    `the arguments of task ${batch.address.name} (${which}) cannot be sent to a worker: ${why}` +
      '(arguments must be structured-cloneable: no functions, symbols, class instances with private state, ...)',
    bad >= 0 ? { cause } : undefined,
  );
}

/**
 * Worker side: what to send instead of `reply`, which `port` could not send. A result that cannot
 * be sent fails its batch with an EncodingError (marked `unsentResult` so the main side can name
 * the input item); a failure whose error holds unsendable values has them described instead.
 */
export function replacementReply(port: Checker, reply: BatchReply): BatchReply {
  const values = reply.values;
  let cause: unknown;
  const bad = values.findIndex((v) => (cause = sendError(port, v)) !== undefined);
  if (bad >= 0) {
    const error = new EncodingError(`result ${bad} of its batch could not be sent back from the worker: ${messageOf(cause)}`, { cause });
    const wire = sendableError(serializeError(error), (v) => sendError(port, v) === undefined);
    if (wire.kind === 'error') wire.unsentResult = bad;
    return { type: 'failed', id: reply.id, values: values.slice(0, bad), error: wire };
  }
  if (reply.type === 'failed') return { ...reply, error: sendableError(reply.error, (v) => sendError(port, v) === undefined) };
  const error = new EncodingError('the results of this batch could not be sent back from the worker');
  return { type: 'failed', id: reply.id, values: [], error: serializeError(error) };
}

/** Worker side: `thrown` serialized so that `port` can send it (serializeError checks cloneability only). */
export function serializeFor(port: Checker, thrown: unknown): SerializedError {
  const wire = serializeError(thrown);
  return sendError(port, wire) === undefined ? wire : sendableError(wire, (v) => sendError(port, v) === undefined);
}

/** Worker side, last resort: a reply that any channel can carry (strings only). */
export function minimalReply(reply: BatchReply, sendFailure: unknown): BatchReply {
  const error: SerializedError = {
    kind: 'error',
    ctor: 'EncodingError',
    name: 'EncodingError',
    message: `the reply of this batch could not be sent back from the worker: ${messageOf(sendFailure)}`,
    stack: undefined,
    props: {},
  };
  return { type: 'failed', id: reply.id, values: [], error };
}

/**
 * Main side: the error of a failed reply. A result that could not be sent back becomes an
 * EncodingError naming the task and the input item (only the main side knows where the batch
 * starts in the input), with the encoder's error as its cause.
 */
export function replyError(batch: Batch, reply: Extract<BatchReply, { type: 'failed' }>): unknown {
  const error = deserializeError(reply.error);
  if (reply.error.kind !== 'error' || reply.error.unsentResult === undefined) return error;
  const cause = (error as Error).cause;
  const item = batch.start + reply.values.length; // the results before it were sent
  return new EncodingError(`the result of task ${batch.address.name} (input item ${item}) could not be sent back from the worker: ${messageOf(cause)}`, {
    cause,
  });
}
