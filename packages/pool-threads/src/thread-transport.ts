/** Main side of the threads backend: one `Worker` per pool worker, messages by `postMessage`. */
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { postWithMoves } from './post-with-moves.js';
import { AwakeSlots } from './idle-look.js';
import { MainAwake } from './main-awake.js';
import {
  ownViews,
  siblingWorkerEntry,
  TS_LOADER_GLOBAL,
  tsxFrom,
  tsxOfParent,
  type ExitInfo,
  type Transport,
  type TsxInstall,
  type WorkerEvents,
  type WorkerHandle,
} from '@mpool/pool-core';

/** Options of the threads backend only. */
export interface ThreadTransportOptions {
  /** V8 heap limits for each worker thread (see `new Worker(..., { resourceLimits })`). */
  resourceLimits?: ResourceLimits;
}

/**
 * The `Transport` of `ThreadPool`: one `Worker` per pool worker, running the sibling
 * `worker.js` / `worker.cjs` (or `worker.ts` through tsx when running from source), with tsx
 * registered first when the program runs under tsx.
 */
export class ThreadTransport implements Transport {
  readonly name = 'threads';
  readonly #entry = workerEntry();

  constructor(private readonly options: ThreadTransportOptions = {}) {}

  spawn(events: WorkerEvents): WorkerHandle {
    const look = awakeSlots().forWorker();
    const wait = mainAwake().forWorker(look.workerData.mpoolAwakeSlot);
    let worker: Worker;
    try {
      worker = new Worker(this.#entry.script, {
        workerData: look.workerData,
        eval: this.#entry.eval,
        // Never inherit the parent's flags (e.g. a test runner's): they may not apply to workers.
        execArgv: [],
        resourceLimits: this.options.resourceLimits,
      });
    } catch (error) {
      look.exited(); // its slot back: no worker will ever clear it
      throw error;
    }
    let uncaught: unknown;
    const exited = new Promise<void>((resolve) => {
      // Structured cloning gives a view its whole ArrayBuffer: results must own exactly their bytes.
      worker.on('message', (msg) => {
        wait.answered();
        events.message(ownViews(msg));
      });
      worker.on('error', (error) => {
        uncaught = error;
      });
      worker.on('exit', (exitCode) => {
        const info: ExitInfo = { exitCode, signal: null };
        if (uncaught !== undefined) info.error = uncaught;
        look.exited();
        wait.exited();
        events.exit(info);
        resolve();
      });
    });
    return {
      send: (msg) => {
        postWithMoves(worker, msg);
        look.bump();
        if (msg.type === 'run') wait.posted();
      },
      ref: () => worker.ref(),
      unref: () => worker.unref(),
      kill: async () => {
        await worker.terminate();
        await exited;
      },
    };
  }
}

/**
 * Which worker threads are awake, for their idle looks (idle-look.ts): one set for every pool of
 * this thread, since they all share its cores.
 */
let slots: AwakeSlots | undefined;
function awakeSlots(): AwakeSlots {
  return (slots ??= new AwakeSlots());
}

/** The main thread's waits for answers it expects soon (main-awake.ts), over the same slots. */
let waits: MainAwake | undefined;
function mainAwake(): MainAwake {
  return (waits ??= new MainAwake(awakeSlots()));
}

/**
 * The worker script: the sibling `worker.js` / `worker.cjs` from dist, `worker.ts` from source.
 * A worker thread gets none of the parent's loader hooks (Node 20 ignores `--import` there), so
 * when the worker must load TypeScript — `worker.ts` itself, or because the program runs under
 * tsx (`tsx main.ts`, `node --import tsx`) and its task modules may be `.ts` — it starts on a tiny
 * bootstrap that registers tsx's loader first and records it (pool-core then does not register it
 * again, and nested pools inherit it).
 */
function workerEntry(): { script: string | URL; eval: boolean } {
  const { url: entry, fromSource } = siblingWorkerEntry(import.meta.url);
  const tsx = fromSource ? ownTsx() : tsxOfParent();
  if (!tsx) return { script: entry, eval: false };
  const script = `(async () => {
    const tsx = ${JSON.stringify(tsx)};
    (await import(tsx.esmApi)).register();
    globalThis[Symbol.for(${JSON.stringify(TS_LOADER_GLOBAL)})] = tsx;
    await import(${JSON.stringify(entry.href)});
  })().catch((error) => { process.nextTick(() => { throw error; }); });`;
  return { script, eval: true };
}

/** The tsx of this package's own install, needed to run workers from TypeScript source (tests). */
function ownTsx(): TsxInstall {
  const tsx = tsxFrom(fileURLToPath(import.meta.url));
  if (!tsx) throw new Error(`cannot find tsx's ESM API from ${fileURLToPath(import.meta.url)} (needed to run workers from TypeScript source)`);
  return tsx;
}
