/**
 * The worker-side loop, shared by every backend: run the initializer, then run batches in the
 * order they arrive, and answer each. Backends only adapt their channel to a {@link WorkerPort}.
 *
 * With `concurrentTasksPerWorker` N (from `init`), a batch whose task returns a promise no longer
 * holds the loop: up to N such batches wait at once, each answered when it finishes, so replies
 * may come out of send order (the engine matches them by id). A synchronous task still runs to
 * its end before the next batch starts: it holds the thread. Within one batch (a map chunk) the
 * items run one after another, in order. The first time a task returns a promise here, the worker
 * says so (`async`), so the engine knows it may send more while it waits.
 */
import { serializeError } from './errors.js';
import { IdleSpin } from './idle-spin.js';
import type { BatchReply, ParentMessage, WireBatch } from './protocol.js';
import { resolveTask, type AnyFn } from './tasks.js';
import type { WorkerPort } from './transport.js';
import { minimalReply, replacementReply, serializeFor } from './unsendable.js';
import { runAsWorker, setCurrentWorkerId } from './worker-info.js';


/**
 * Replies of quick batches are sent together; a reply is held at most this long, so a slow batch
 * never delays the replies of the batches before it by more than this.
 */
const REPLY_COALESCE_MS = 1;

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';

/** Runs the worker side of a pool on `port`. Returns at once; the port's listener keeps it going. */
export function serve(port: WorkerPort): void {
  const tasks = new Map<number, AnyFn | Promise<AnyFn>>();
  const queue: WireBatch[] = [];
  let head = 0;
  /** Batches started whose promise has not settled yet. */
  let waiting = 0;
  /** `concurrentTasksPerWorker`, from `init`. */
  let limit = 1;
  /** Task indexes this worker told the engine are async (only with limit > 1). */
  const announced = new Set<number>();
  /** Batches wait until the initializer has run; `ready` turns true then. */
  let ready = false;
  const outbox: BatchReply[] = [];
  let outboxSince = 0;

  const flush = () => {
    if (outbox.length === 0) return;
    const replies = outbox.splice(0);
    sendReplies(port, replies);
  };
  // A task that calls process.exit() ends the worker in the middle of a drain: the replies of
  // the quick batches before it, still in the outbox, go out now (a thread's port and a child's
  // IPC channel both take a message synchronously), so work done is never reported as lost to
  // the crash (and never retried by a caller who believed it was). A channel already gone (the
  // pool's side died first) has nobody to tell: an error thrown here would only print a stack.
  process.on('exit', () => {
    try {
      flush();
    } catch {
      // see above
    }
  });

  const runBatch = (batch: WireBatch, fn: AnyFn): BatchReply | Promise<BatchReply> => {
    const values: unknown[] = [];
    const items = batch.items;
    for (let i = 0; i < items.length; i++) {
      let value: unknown;
      try {
        value = batch.spread ? fn(...(items[i] as unknown[])) : fn(items[i]);
      } catch (error) {
        return { type: 'failed', id: batch.id, values, error: serializeError(error) };
      }
      if (isThenable(value)) {
        if (limit > 1 && !announced.has(batch.task)) {
          announced.add(batch.task);
          port.send({ type: 'async', task: batch.task });
        }
        return finishAsync(batch, fn, values, value, i);
      }
      values.push(value);
    }
    return { type: 'done', id: batch.id, values };
  };

  const finishAsync = async (
    batch: WireBatch,
    fn: AnyFn,
    values: unknown[],
    pending: PromiseLike<unknown>,
    index: number,
  ): Promise<BatchReply> => {
    try {
      values.push(await pending);
      for (let i = index + 1; i < batch.items.length; i++) {
        values.push(await (batch.spread ? fn(...(batch.items[i] as unknown[])) : fn(batch.items[i])));
      }
      return { type: 'done', id: batch.id, values };
    } catch (error) {
      return { type: 'failed', id: batch.id, values, error: serializeError(error) };
    }
  };

  const taskFor = (batch: WireBatch): AnyFn | Promise<AnyFn> => {
    const fn = tasks.get(batch.task);
    if (fn === undefined) throw new Error(`mpool protocol error: task #${batch.task} was never defined`);
    return fn;
  };

  /** Takes the next queued batch, releasing the queue's reference to its arguments. */
  const nextBatch = (): WireBatch => {
    const batch = queue[head]!;
    queue[head++] = undefined as unknown as WireBatch;
    if (head >= 4096 && head * 2 >= queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    return batch;
  };

  /** This worker's own id (from `init`); a relayed batch shows another while it runs. */
  let ownId: number | undefined;

  const start = (batch: WireBatch): BatchReply | Promise<BatchReply> =>
    // A relayed batch sees its caller's worker id, also after each await (see worker-info.ts).
    batch.as === undefined || batch.as === ownId ? startBatch(batch) : runAsWorker(batch.as, () => startBatch(batch));

  const startBatch = (batch: WireBatch): BatchReply | Promise<BatchReply> => {
    try {
      const fn = taskFor(batch);
      return typeof fn === 'function' ? runBatch(batch, fn) : fn.then((f) => runBatch(batch, f));
    } catch (error) {
      return { type: 'failed', id: batch.id, values: [], error: serializeError(error) };
    }
  };

  const post = (reply: BatchReply) => {
    if (outbox.length === 0) outboxSince = performance.now();
    outbox.push(reply);
    if (performance.now() - outboxSince >= REPLY_COALESCE_MS) flush();
  };

  /**
   * Starts queued batches in order while fewer than `limit` wait on a promise. Synchronous while
   * tasks are (the common, fast case); a batch that returns a promise is answered when it settles,
   * and then the loop goes on (with `limit` 1: only then, so batches run one after another).
   */
  const drain = (): void => {
    while (head < queue.length && waiting < limit) {
      const batch = nextBatch();
      const reply = start(batch);
      if (isThenable(reply)) {
        waiting++;
        Promise.resolve(reply)
          .catch((error: unknown): BatchReply => ({ type: 'failed', id: batch.id, values: [], error: serializeError(error) }))
          .then((settled) => {
            waiting--;
            post(settled);
            drain();
          });
        continue;
      }
      post(reply);
    }
    if (head >= queue.length) {
      queue.length = 0;
      head = 0;
    }
    flush(); // never hold quick replies while a slow task runs
    if (waiting === 0 && head >= queue.length) spin?.idle();
  };

  /** Settles once the initializer has run (or failed); `exit` waits for it (see below). */
  let initialized: Promise<unknown> = Promise.resolve();

  const onParentMessage = (msg: ParentMessage): void => {
    switch (msg.type) {
      case 'init':
        ownId = msg.workerId;
        limit = msg.concurrentTasksPerWorker ?? 1;
        setCurrentWorkerId(msg.workerId);
        initialized = initialize(port, msg).then((ok) => {
          ready = ok;
          if (ok && head < queue.length) drain();
        });
        return;
      case 'run':
        for (const { index, address } of msg.define) {
          const loading = resolveTask(address);
          tasks.set(index, loading);
          // Keep the promise until it settles, then the function itself (the fast path).
          loading.then((fn) => tasks.set(index, fn), () => undefined);
        }
        for (const batch of msg.batches) queue.push(batch);
        if (ready && waiting < limit) drain();
        return;
      case 'exit':
        // A worker asked to leave while its initializer runs (close() right after the pool was
        // made) lets it finish first: Python runs the initializer once in every worker it started.
        const leave = () => {
          flush();
          port.exit();
        };
        void initialized.then(leave, leave);
        return;
    }
  };

  /** An idle worker looks for its next message a short while before it sleeps (see idle-spin.ts). */
  const spin = port.look ? new IdleSpin(port.look, onParentMessage, () => waiting === 0 && head >= queue.length) : null;
  port.onMessage((msg) => {
    if (msg.type === 'run') spin?.arrived();
    onParentMessage(msg);
  });
}

async function initialize(port: WorkerPort, msg: Extract<ParentMessage, { type: 'init' }>): Promise<boolean> {
  try {
    if (msg.initializer) {
      const init = await resolveTask(msg.initializer);
      await init(...msg.initargs);
    }
    port.send({ type: 'ready' });
    return true;
  } catch (error) {
    port.send({ type: 'init-failed', error: serializeFor(port, error) });
    return false;
  }
}

/**
 * Sends replies; a reply that cannot be encoded is replaced (see replacementReply): a result that
 * cannot be sent fails its own batch with EncodingError, the other replies go as they are. Never
 * throws for a value that cannot be encoded, so no task's result can crash the worker.
 */
function sendReplies(port: WorkerPort, replies: BatchReply[]): void {
  try {
    port.send(replies.length === 1 ? replies[0]! : { type: 'replies', replies });
    return;
  } catch {
    // Find which reply cannot be sent; send the others as they are.
  }
  for (const reply of replies) {
    try {
      port.send(reply);
      continue;
    } catch {
      // replaced below
    }
    let replacement = reply;
    try {
      replacement = replacementReply(port, reply);
      port.send(replacement);
    } catch (failure) {
      port.send(minimalReply(replacement, failure));
    }
  }
}
