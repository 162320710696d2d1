import { defineConfig } from 'tsup';

// Three entries: the library, the bin, and the worker task module. The task module must be a
// file of its own in dist/ because workers import it by URL (see src/pool.ts); the library
// refers to it by address only, never by a static import, so it is not bundled into index.
export default defineConfig({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts', tasks: 'src/tasks.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
  // Pools spawn workers from files of their own package: never bundle them into ours.
  external: [/^@mpool\//],
});
