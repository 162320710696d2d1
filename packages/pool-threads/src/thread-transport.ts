/** Main side of the threads backend: one `Worker` per pool worker, messages by `postMessage`. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { ownViews, siblingWorkerEntry, type ExitInfo, type Transport, type WorkerEvents, type WorkerHandle } from '@mpool/pool-core';

/** Options of the threads backend only. */
export interface ThreadTransportOptions {
  /** V8 heap limits for each worker thread (see `new Worker(..., { resourceLimits })`). */
  resourceLimits?: ResourceLimits;
}

/**
 * The `Transport` of `ThreadPool`: one `Worker` per pool worker, running the sibling
 * `worker.js` / `worker.cjs` (or `worker.ts` through tsx when running from source).
 */
export class ThreadTransport implements Transport {
  readonly name = 'threads';
  readonly #entry = workerEntry();

  constructor(private readonly options: ThreadTransportOptions = {}) {}

  spawn(events: WorkerEvents): WorkerHandle {
    const worker = new Worker(this.#entry.script, {
      eval: this.#entry.eval,
      // Never inherit the parent's flags (e.g. a test runner's): they may not apply to workers.
      execArgv: [],
      resourceLimits: this.options.resourceLimits,
    });
    let uncaught: unknown;
    const exited = new Promise<void>((resolve) => {
      // Structured cloning gives a view its whole ArrayBuffer: results must own exactly their bytes.
      worker.on('message', (msg) => events.message(ownViews(msg)));
      worker.on('error', (error) => {
        uncaught = error;
      });
      worker.on('exit', (exitCode) => {
        const info: ExitInfo = { exitCode, signal: null };
        if (uncaught !== undefined) info.error = uncaught;
        events.exit(info);
        resolve();
      });
    });
    return {
      send: (msg) => worker.postMessage(msg),
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
 * The worker script. From dist: the sibling `worker.js` / `worker.cjs`. From TypeScript source
 * (tests), Node 20 cannot load `.ts` in a worker and ignores `--import` there, so the worker starts
 * on a tiny bootstrap that registers tsx's loader and then imports `worker.ts`.
 */
function workerEntry(): { script: string | URL; eval: boolean } {
  const { url: entry, fromSource } = siblingWorkerEntry(import.meta.url);
  if (!fromSource) return { script: entry, eval: false };
  const tsxApi = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  if (!existsSync(tsxApi)) throw new Error(`cannot find tsx's ESM API at ${tsxApi} (needed to run workers from TypeScript source)`);
  const script = `(async () => {
    const { register } = await import(${JSON.stringify(pathToFileURL(tsxApi).href)});
    register();
    await import(${JSON.stringify(entry.href)});
  })().catch((error) => { process.nextTick(() => { throw error; }); });`;
  return { script, eval: true };
}
