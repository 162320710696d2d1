// Where things are, and how to load a workspace package that may not exist or be built yet.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(BENCH_DIR, '..');

/** Thrown (and caught by the harness) when a package is missing or not built: its section is skipped. */
export class NotBuilt extends Error {}

function entryOf(pkgDir) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  let e = pkg.exports?.['.'] ?? pkg.exports;
  if (e && typeof e === 'object') e = e.import ?? e.default ?? e.node ?? e.require;
  if (e && typeof e === 'object') e = e.default ?? e.node;
  const rel = (typeof e === 'string' && e) || pkg.module || pkg.main || 'index.js';
  return join(pkgDir, rel);
}

/**
 * Imports workspace package `name` (by name when it is a dependency of bench, otherwise from
 * `<repo>/<dir>`). Throws {@link NotBuilt} with a printable reason when it cannot be loaded.
 */
export async function importWorkspace(name, dir) {
  try {
    return await import(name);
  } catch (err) {
    if (!['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED'].includes(err?.code)) {
      throw new NotBuilt(`${name} failed to load: ${err?.message ?? err}`);
    }
  }
  const pkgDir = join(REPO_ROOT, dir);
  if (!existsSync(join(pkgDir, 'package.json'))) throw new NotBuilt(`${name} not built yet (no ${dir}/package.json)`);
  const entry = entryOf(pkgDir);
  if (!existsSync(entry)) throw new NotBuilt(`${name} not built yet (${entry.slice(REPO_ROOT.length + 1)} missing: run pnpm build)`);
  try {
    return await import(pathToFileURL(entry).href);
  } catch (err) {
    throw new NotBuilt(`${name} failed to load: ${err?.message ?? err}`);
  }
}

/** The bin script of the digest-tree CLI (apps/digest-cli), or a NotBuilt reason. */
export function digestTreeBin() {
  const dir = join(REPO_ROOT, 'apps/digest-cli');
  const pj = join(dir, 'package.json');
  const candidates = [];
  if (existsSync(pj)) {
    const pkg = JSON.parse(readFileSync(pj, 'utf8'));
    const bin = typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin?.['digest-tree'] ?? Object.values(pkg.bin ?? {})[0]);
    if (bin) candidates.push(join(dir, bin));
  }
  candidates.push(join(dir, 'dist/bin.cjs'), join(dir, 'dist/bin.js'), join(dir, 'dist/bin.mjs'));
  const found = candidates.find((p) => existsSync(p));
  if (!found) return { error: 'digest-tree not built yet (apps/digest-cli/dist/bin.cjs missing: run pnpm build)' };
  return { bin: found };
}

/** Version of an installed npm package seen from bench/, or undefined. */
export function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}
