/**
 * The one way digest-tree loads the pool packages (and the addon, where it is loaded on demand):
 * `require` in the one-file CommonJS bin, `import()` elsewhere (the ES module build, and the
 * tests, which run the sources).
 *
 * Why not `import()` everywhere: from the bin, `import()` starts Node's ES module loader, which
 * scans every CommonJS module that an ES module imports for its named exports (cjs-module-lexer),
 * following their re-exports. `@mpool/pool-bullmq`'s ES build imports bullmq and ioredis, ~300
 * CommonJS files: in the fleet's caller that scan was most of the module loading in a CPU profile,
 * and `require` of the package's CommonJS build cut the caller's CPU time on the mixed corpus from
 * 0.63–0.70 s to 0.45–0.49 s (user; four runs each, taking turns). Each run loads one backend
 * only, through one format, so no class is loaded twice (errors are matched by the loaded
 * module's own classes, see pool.ts).
 */
import { statSync } from 'node:fs';

declare const require: NodeJS.Require;
/** Set (to true) by the bin's build only (tsup.config.ts `define`). */
declare const DIGEST_TREE_BIN_CJS: boolean | undefined;

/** True in the one-file CommonJS bin (dist/bin.cjs). */
export const inBin = typeof DIGEST_TREE_BIN_CJS !== 'undefined';

/**
 * `require(id)`, after a stat of `/`. Node 20's `fs.realpathSync`, which `require` resolves
 * symlinks with, stops resolving at the first path component it has cached when the process's
 * last synchronous stat was of a FIFO or a socket (it tests the shared stat array, not the
 * component): after an `fstatSync` of a piped stderr, or an `lstatSync` of a FIFO in the tree, a
 * package installed by pnpm (a symlink into node_modules/.pnpm) then loads from its unresolved
 * path, where its own dependencies are not found ("Cannot find module '@ioredis/commands'").
 * A stat of a directory first leaves the array saying "directory".
 */
function requireAfterStat<T>(load: () => T): Promise<T> {
  statSync('/');
  return Promise.resolve(load());
}

export const loadThreads = (): Promise<typeof import('@mpool/pool-threads')> =>
  inBin ? requireAfterStat(() => require('@mpool/pool-threads')) : import('@mpool/pool-threads');

export const loadProcs = (): Promise<typeof import('@mpool/pool-procs')> =>
  inBin ? requireAfterStat(() => require('@mpool/pool-procs')) : import('@mpool/pool-procs');

export const loadBullmq = (): Promise<typeof import('@mpool/pool-bullmq')> =>
  inBin ? requireAfterStat(() => require('@mpool/pool-bullmq')) : import('@mpool/pool-bullmq');

export const loadNative = (): Promise<typeof import('@mpool/sha512-native')> =>
  inBin ? requireAfterStat(() => require('@mpool/sha512-native')) : import('@mpool/sha512-native');
