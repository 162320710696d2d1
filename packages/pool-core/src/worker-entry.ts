/**
 * Where a backend's worker-side entry lives: the sibling file `worker.{js,cjs,ts}` next to the
 * backend's own module, chosen by that module's extension. From dist, an ESM build loads
 * `worker.js` and a CJS build `worker.cjs`; from TypeScript source (tests) it is `worker.ts`, which
 * the backend must load through tsx (Node 20 cannot run `.ts` by itself).
 */
export interface WorkerEntry {
  /** URL of the worker entry file. */
  url: URL;
  /** True when it is a TypeScript source file. */
  fromSource: boolean;
}

/** @param moduleUrl the backend's `import.meta.url`. */
export function siblingWorkerEntry(moduleUrl: string): WorkerEntry {
  const fromSource = /\.(c|m)?ts$/.test(moduleUrl);
  const ext = fromSource ? '.ts' : moduleUrl.endsWith('.cjs') ? '.cjs' : '.js';
  return { url: new URL(`./worker${ext}`, moduleUrl), fromSource };
}
