import { defineConfig, type Options } from 'tsup';

// The library and the worker task module, as ESM and CommonJS. The task module must be a file
// of its own in dist/ because workers import it by URL (see src/pool.ts); the library refers to
// it by address only, never by a static import, so it is not bundled into index.
// Pools spawn workers from files of their own package: never bundle them into ours.
// Not `clean`: the two builds run side by side (the build script empties dist/ first).
const common: Options = { sourcemap: true, target: 'node20', shims: true, external: [/^@mpool\//] };

export default defineConfig([
  { ...common, entry: { index: 'src/index.ts', tasks: 'src/tasks.ts' }, format: ['esm', 'cjs'], dts: { entry: { index: 'src/index.ts' } } },
  // The bin as one CommonJS file: Node 20 starts a CommonJS entry ~5-10 ms sooner than an ES
  // module one (no ESM loader), which is most of what a small run costs (src/inline.ts). Its
  // workers load tasks.cjs (src/pool.ts picks the task module of the bin's own format).
  { ...common, entry: { bin: 'src/bin.ts' }, format: ['cjs'] },
]);
