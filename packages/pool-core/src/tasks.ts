/**
 * How a task is named. Functions cannot cross a thread or process boundary, so (as in Python,
 * which pickles a function as module + name) a task travels as its address: the URL of the
 * module that declares it and its name there. The worker imports that module and looks it up.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TopLevelPoolError } from './errors.js';
import { editDistance } from './inputs.js';
import type { TaskAddress } from './protocol.js';
import { importingTaskModule } from './task-import.js';
import { ensureTsLoader, isTypeScriptUrl, noTsLoaderError } from './ts-loader.js';

/** Any function; `any` is what lets TypeScript infer a task's parameter and return types. */
// biome-ignore lint: see above.
export type AnyFn = (...args: any[]) => any;

const ADDRESS = Symbol.for('mpool.taskAddress');
/** Shared through globalThis so that two copies of pool-core (ESM + CJS) see one registry. */
const REGISTRY_KEY = Symbol.for('mpool.taskRegistry');

type Registry = Map<string, AnyFn>;
function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  g[REGISTRY_KEY] ??= new Map();
  return g[REGISTRY_KEY];
}
const registryKey = (address: TaskAddress) => `${address.module}#${address.name}`;

/** A function that carries its address: it still works when called directly. */
export type Task<F extends AnyFn = AnyFn> = F & { readonly [ADDRESS]: TaskAddress };

/** Type-only key of a TaskRef's signature (no value at run time). */
declare const SIGNATURE: unique symbol;

/** An address of an exported function, made by {@link taskRef}; it can only run in a pool. */
export interface TaskRef<F extends AnyFn = AnyFn> {
  readonly [ADDRESS]: TaskAddress;
  /**
   * Type-only: the function's signature. Required (though absent at run time) so that a task of
   * another signature is not assignable to this TaskRef: `map` must reject a two-argument task.
   */
  readonly [SIGNATURE]: F;
}

/** Anything the pool accepts as a task. */
export type TaskLike<F extends AnyFn = AnyFn> = Task<F> | TaskRef<F>;

/** Normalises `import.meta.url`, a `file:` URL or an absolute path to a `file:` URL string. */
export function toModuleUrl(moduleUrl: string | URL): string {
  const text = String(moduleUrl);
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[a-z]:[\\/]/i.test(text)) return text;
  if (!text.startsWith('/') && !/^[a-z]:[\\/]/i.test(text)) {
    throw new TypeError(`module URL must be import.meta.url, a file: URL or an absolute path, got ${JSON.stringify(text)}`);
  }
  return pathToFileURL(text).href;
}

/**
 * Declares the tasks of a module so pools can run them:
 * `export const { sqr } = defineTasks(import.meta.url, { sqr(x: number) { return x * x } })`.
 * Returns the same functions, each tagged with its address (module URL + key). In CommonJS pass
 * `__filename`. The module must be importable by the workers (a `.js` file, or `.ts` with tsx).
 * @throws TypeError if a value is not a function or the URL is not absolute.
 */
export function defineTasks<T extends Record<string, AnyFn>>(moduleUrl: string | URL, tasks: T): { [K in keyof T]: Task<T[K]> } {
  const module = toModuleUrl(moduleUrl);
  const out = {} as Record<string, Task>;
  for (const [name, fn] of Object.entries(tasks)) {
    if (typeof fn !== 'function') throw new TypeError(`defineTasks: ${name} is ${typeof fn}, not a function`);
    const address: TaskAddress = { module, name };
    Object.defineProperty(fn, ADDRESS, { value: address, enumerable: false });
    registry().set(registryKey(address), fn);
    out[name] = fn as Task;
  }
  return out as { [K in keyof T]: Task<T[K]> };
}

/**
 * The address of a function exported as `exportName` from `moduleUrl`, for functions you cannot
 * wrap in {@link defineTasks}: `pool.map(taskRef<typeof sqr>(url, 'sqr'), xs)`.
 */
export function taskRef<F extends AnyFn>(moduleUrl: string | URL, exportName: string): TaskRef<F> {
  if (typeof exportName !== 'string' || exportName === '') throw new TypeError('taskRef: exportName must be a non-empty string');
  return { [ADDRESS]: { module: toModuleUrl(moduleUrl), name: exportName } } as TaskRef<F>;
}

/**
 * The address of a task, or a TypeError that says how to give it one.
 * @param where the calling method, for the message (e.g. `pool.map`).
 */
export function addressOf(task: unknown, where: string): TaskAddress {
  const address = (task as { [ADDRESS]?: TaskAddress } | null)?.[ADDRESS];
  if (address) return address;
  const what = typeof task === 'function' ? `function ${task.name || '(anonymous)'}` : `${task === null ? 'null' : typeof task}`;
  throw new TypeError(
    `${where}: ${what} is not a pool task: functions cannot be sent to a worker, only named. ` +
      'Declare it with `export const { fn } = defineTasks(import.meta.url, { fn(...) { ... } })` ' +
      "in a module the workers can import, or pass taskRef(import.meta.url, 'exportName') for an exported function.",
  );
}

/**
 * Worker side: import the module of an address and return the function.
 * @throws Error `while importing task module <url>: ...` (cause: what the import threw), or a
 * TypeError naming the tasks the module does have when the name is not among them.
 */
export async function resolveTask(address: TaskAddress): Promise<AnyFn> {
  const known = registry().get(registryKey(address));
  if (known) return known;
  let mod: Record<string, unknown>;
  try {
    mod = (await importTaskModule(address.module)) as Record<string, unknown>;
  } catch (cause) {
    // TopLevelPoolError already names the module and the fix; callers check its class, so it stays itself.
    if (cause instanceof TopLevelPoolError) throw cause;
    throw new Error(`while importing task module ${address.module}: ${messageOf(cause)}`, { cause });
  }
  const fn = registry().get(registryKey(address)) ?? mod[address.name] ?? (mod.default as Record<string, unknown> | undefined)?.[address.name];
  if (typeof fn !== 'function') throw new TypeError(taskNotFound(address, mod));
  return fn as AnyFn;
}

/** The message of what a module threw at import (guarded: the module's code may throw anything). */
function messageOf(thrown: unknown): string {
  try {
    return thrown instanceof Error ? String(thrown.message) : String(thrown);
  } catch {
    return Object.prototype.toString.call(thrown);
  }
}

/** Names shown in a "not found" message, at most. */
const MAX_LISTED = 40;

/** The "task not found" message: what the module has, the closest name, and the usual mistake. */
function taskNotFound(address: TaskAddress, mod: Record<string, unknown>): string {
  const prefix = `${address.module}#`;
  const declared = [...registry().keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const exported = Object.keys(mod).filter((k) => typeof mod[k] === 'function' && !declared.includes(k));
  const names = [...declared, ...exported];
  const closest = closestName(address.name, names);
  const list = (label: string, xs: string[]) =>
    xs.length === 0 ? '' : ` It ${label}: ${[...xs].sort().slice(0, MAX_LISTED).join(', ')}${xs.length > MAX_LISTED ? `, ... (${xs.length - MAX_LISTED} more)` : ''}.`;
  const suggestion = closest ? ` Did you mean ${closest}?` : '';
  return (
    `task ${address.name} not found in ${address.module}: it is neither declared with defineTasks nor exported as a function.` +
    suggestion +
    list('declares', declared) +
    list('exports the functions', exported) +
    ' Workers only import the module: defineTasks(import.meta.url, { ... }) must run at the top level of the module ' +
    '(not inside a function or a condition), so that importing the module declares the task.'
  );
}

/** The name within edit distance 2 of `name` (case-insensitive), nearest first; `undefined` if none. */
function closestName(name: string, names: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of names) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/**
 * A `.cjs` file is loaded with `require`: importing it would start the ES module loader in the
 * worker and have it scan the file for its exports, ~30 ms of CPU per worker measured here
 * (two worker threads ready in 58-68 ms with require, 73-98 ms with import). The module is the
 * same either way (module.exports; what import() would give as `default` and named exports), and
 * a failure names the same file; only the `code` of a missing file differs
 * (`MODULE_NOT_FOUND` instead of `ERR_MODULE_NOT_FOUND`).
 */
function isCommonJsFile(url: string): boolean {
  return url.startsWith('file:') && url.endsWith('.cjs');
}

/**
 * Imports a task module (or the initializer's). tsx is registered first when the module is
 * TypeScript and no loader is active, never after a failed import (Node caches the failure); the
 * import runs under the guard that refuses pools created by the module's top-level code.
 */
async function importTaskModule(url: string): Promise<unknown> {
  await ensureTsLoader(url);
  try {
    return await importingTaskModule(url, isCommonJsFile(url) ? async () => createRequire(url)(fileURLToPath(url)) : () => import(url));
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_UNKNOWN_FILE_EXTENSION' && isTypeScriptUrl(url)) throw noTsLoaderError(url, err);
    throw err;
  }
}
