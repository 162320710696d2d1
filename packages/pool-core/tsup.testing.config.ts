import { defineConfig } from 'tsup';

// The conformance suite, ESM only (vitest is ESM). Its task fixtures are an entry of their own so
// workers can import them by URL; `@mpool/pool-core` stays external so the suite, its fixtures
// and the backend under test share one copy of the library (and its error classes).
export default defineConfig({
  entry: {
    'testing/index': 'src/testing/index.ts',
    'testing/tasks': 'src/testing/tasks.ts',
    'testing/throwing-module': 'src/testing/throwing-module.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  external: ['@mpool/pool-core', 'vitest'],
});
