import { defineConfig, type Options } from 'tsup';
import { readFile } from 'node:fs/promises';

// The library and the worker task module, as ESM and CommonJS. The task module must be a file
// of its own in dist/ because workers import it by URL (see src/pool.ts); the library refers to
// it by address only, never by a static import, so it is not bundled into index.
// Pools spawn workers from files of their own package: never bundle them into ours.
// Not `clean`: the two builds run side by side (the build script empties dist/ first).
const common: Options = { sourcemap: true, target: 'node20', shims: true, external: [/^@mpool\//] };

/**
 * commander loads node:child_process at the top of its command.js, only to run executable
 * subcommands (which digest-tree has none of): a third of what commander costs to load. In the
 * bin, commander gets a stand-in that loads the real module on first use.
 */
type Plugin = NonNullable<Options['esbuildPlugins']>[number];
const CHILD_PROCESS_LINE = "const childProcess = require('node:child_process');";
const lazyChildProcess: Plugin = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      // Fail the build rather than lose this silently on a commander upgrade.
      if (!source.includes(CHILD_PROCESS_LINE)) throw new Error(`${args.path}: expected the line ${CHILD_PROCESS_LINE}`);
      const lazy = "let realChildProcess; const childProcess = new Proxy({}, { get: (_, key) => (realChildProcess ??= require('node:child_process'))[key] });";
      return { contents: source.replace(CHILD_PROCESS_LINE, lazy), loader: 'js' };
    });
  },
};

export default defineConfig([
  { ...common, entry: { index: 'src/index.ts', tasks: 'src/tasks.ts' }, format: ['esm', 'cjs'], dts: { entry: { index: 'src/index.ts' } } },
  // The bin as one CommonJS file: Node 20 starts a CommonJS entry ~5-10 ms sooner than an ES
  // module one (no ESM loader), which is most of what a small run costs (src/inline.ts). Its
  // workers load tasks.cjs (src/pool.ts picks the task module of the bin's own format).
  { ...common, entry: { bin: 'src/bin.ts' }, format: ['cjs'], external: [...(common.external ?? []), './commander.cjs'], define: { DIGEST_TREE_BIN_CJS: 'true' } },
  // commander for the bin, a file of its own: compiling it (~2 ms) is for command lines with
  // options only, and it needs no package resolution; node:child_process is lazy (see above).
  { ...common, entry: { commander: 'src/cli/commander-bundle.ts' }, format: ['cjs'], noExternal: ['commander'], esbuildPlugins: [lazyChildProcess] },
]);
