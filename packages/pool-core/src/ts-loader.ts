/**
 * TypeScript task modules, loaded through tsx (Node 20 cannot load `.ts` files by itself).
 *
 * Two facts shape this file. Loader hooks of the parent (`tsx main.ts`, `node --import tsx`) do
 * not reach worker threads, and child processes get only the flags they are given. And Node
 * caches a failed import: once `import('x.ts')` failed for want of a loader, registering tsx and
 * importing again fails the same way. So the loader must be in place BEFORE a worker first
 * imports a `.ts` URL:
 * - parent side, {@link tsxOfParent} finds the tsx the program runs under, and the backends start
 *   their workers with it (threads: a bootstrap that registers it; processes: `--import`);
 * - worker side, {@link ensureTsLoader} registers tsx before the first `.ts` import when nothing
 *   did (a parent that loads TypeScript some other way, e.g. a test runner), finding tsx from the
 *   task module's folder, then the working directory, then mpool's own install.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/** A tsx install, as file URLs: what `--import` takes, and its ESM API (`register()`). */
export interface TsxInstall {
  loader: string;
  esmApi: string;
}

/**
 * `Symbol.for` name of the globalThis slot set (to the {@link TsxInstall}) once tsx is registered
 * in this thread; global so that the ESM and CJS copies of pool-core, and a backend's worker
 * bootstrap that registers tsx before pool-core loads, all see it.
 */
export const TS_LOADER_GLOBAL = 'mpool.tsLoader';
const ACTIVE_KEY = Symbol.for(TS_LOADER_GLOBAL);
/** The registration in progress, so that concurrent imports register tsx once. */
const REGISTERING_KEY = Symbol.for('mpool.tsLoaderRegistering');
/** Node flags that load a module before the main one; their value may name tsx. */
const PRELOAD_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);

const globals = globalThis as unknown as Record<symbol, unknown>;

/** True for a URL or path of a TypeScript file (`.ts`, `.mts`, `.cts`, `.tsx`). */
export const isTypeScriptUrl = (url: string): boolean => /\.(c|m)?tsx?$/.test(url.replace(/[?#].*$/, ''));

/** The tsx that `require` resolution finds from the file `fromFile` (need not exist), if any. */
export function tsxFrom(fromFile: string): TsxInstall | undefined {
  try {
    const require = createRequire(fromFile);
    const loader = require.resolve('tsx');
    // The API's `import` condition is the .mjs next to the `require` one (createRequire sees the latter).
    const esmApi = require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
    if (!existsSync(esmApi)) return undefined;
    return { loader: pathToFileURL(loader).href, esmApi: pathToFileURL(esmApi).href };
  } catch {
    return undefined;
  }
}

/** The values of preload flags in `argv` (`--import x`, `--import=x`, `-r x`). */
export function preloadSpecifiers(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    if (eq > 0 && PRELOAD_FLAGS.has(arg.slice(0, eq))) out.push(arg.slice(eq + 1));
    else if (PRELOAD_FLAGS.has(arg) && i + 1 < argv.length) out.push(argv[++i]!);
  }
  return out;
}

/**
 * The tsx install that node flags in `argv` load, if any: a bare `tsx` / `tsx/...` (resolved from
 * `baseDir`, as Node does) or a file inside a package named `tsx` (what the tsx CLI passes).
 */
export function tsxInArgv(argv: readonly string[], baseDir: string = process.cwd()): TsxInstall | undefined {
  for (const spec of preloadSpecifiers(argv)) {
    if (spec === 'tsx' || spec.startsWith('tsx/')) {
      const found = tsxFrom(join(baseDir, 'noop.js'));
      if (found) return found;
      continue;
    }
    let file: string;
    if (spec.startsWith('file:')) file = fileURLToPath(spec);
    else if (isAbsolute(spec) || spec.startsWith('.')) file = resolve(baseDir, spec);
    else continue;
    const root = packageRoot(file);
    if (root?.name === 'tsx') {
      const found = tsxFrom(join(root.dir, 'package.json'));
      if (found) return found;
    }
  }
  return undefined;
}

/** The nearest enclosing package.json that has a name (nested ones with only `type` are skipped). */
function packageRoot(file: string): { dir: string; name: string } | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
        if (typeof name === 'string') return { dir, name };
      } catch {
        // unreadable manifest: keep looking up
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Splits NODE_OPTIONS as Node does for the common cases (spaces; double-quoted values). */
function nodeOptions(): string[] {
  const text = process.env.NODE_OPTIONS ?? '';
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!));
}

/**
 * The tsx this program runs under, which its workers need too: the one registered in this thread
 * by mpool (a worker running a nested pool), else the one its node flags or NODE_OPTIONS load.
 */
export function tsxOfParent(): TsxInstall | undefined {
  return (globals[ACTIVE_KEY] as TsxInstall | undefined) ?? tsxOfFlags();
}

let flagsTsx: { install: TsxInstall | undefined } | undefined;
/** The tsx that this process's node flags or NODE_OPTIONS load (they never change: looked up once). */
function tsxOfFlags(): TsxInstall | undefined {
  flagsTsx ??= { install: tsxInArgv(process.execArgv) ?? tsxInArgv(nodeOptions()) };
  return flagsTsx.install;
}

/** Records that tsx's loader is registered in this thread (a worker bootstrap or {@link ensureTsLoader}). */
function markTsLoaderActive(install: TsxInstall): void {
  globals[ACTIVE_KEY] = install;
}

/**
 * True when `.ts` imports of this thread already go through tsx: mpool registered it here, or
 * this is a process's main thread whose flags load it (flags and NODE_OPTIONS never apply to
 * worker threads' module loading in Node 20).
 */
function tsLoaderActive(): boolean {
  if (globals[ACTIVE_KEY]) return true;
  return isMainThread && tsxOfFlags() !== undefined;
}

/**
 * Worker side: before importing `moduleUrl`, registers tsx's loader if the module is TypeScript
 * and no loader is active. When no tsx can be found this does nothing: the import is tried anyway
 * (newer Node versions strip types themselves) and fails with a message saying to install tsx.
 */
export async function ensureTsLoader(moduleUrl: string): Promise<void> {
  if (!isTypeScriptUrl(moduleUrl) || tsLoaderActive()) return;
  const pending = (globals[REGISTERING_KEY] as Promise<boolean> | undefined) ?? registerTsx(moduleUrl);
  globals[REGISTERING_KEY] = pending;
  // Not found is not remembered: a later module may live in a project that has tsx.
  if (!(await pending)) globals[REGISTERING_KEY] = undefined;
}

async function registerTsx(moduleUrl: string): Promise<boolean> {
  const modulePath = moduleUrl.startsWith('file:') ? fileURLToPath(moduleUrl) : undefined;
  const install =
    (modulePath ? tsxFrom(modulePath) : undefined) ?? tsxFrom(join(process.cwd(), 'noop.js')) ?? tsxFrom(fileURLToPath(import.meta.url));
  if (!install) return false;
  const api = (await import(install.esmApi)) as { register(): unknown };
  api.register();
  markTsLoaderActive(install);
  return true;
}

/** The error for a `.ts` task module that could not be loaded for want of a loader. */
export function noTsLoaderError(moduleUrl: string, cause: unknown): Error {
  return new Error(
    `task module ${moduleUrl} is TypeScript, and no TypeScript loader could be found to load it in the worker: ` +
      'install tsx in your project (`npm install --save-dev tsx`; it is looked up from the module\'s folder and the ' +
      'working directory), or build the module to .js',
    { cause },
  );
}
