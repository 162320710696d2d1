import { defineConfig } from 'tsup';

// The conformance suite, ESM only (vitest is ESM). Its task fixtures and the entry script it runs in
// a process of its own are entries of their own so workers can import them by URL; `@mpool/pool-core`
// stays external so the suite, its fixtures and the backend under test share one copy of the library
// (and its error classes). `./tasks.js` is external too: the suite imports the built
// `testing/tasks.js` itself, so the tasks' module URL (what workers import, what error stacks
// show) is that file and not a shared chunk.
export default defineConfig({
  entry: {
    'testing/index': 'src/testing/index.ts',
    'testing/tasks': 'src/testing/tasks.ts',
    'testing/entry-script': 'src/testing/entry-script.ts',
    'testing/entry-script-guarded': 'src/testing/entry-script-guarded.ts',
    'testing/entry-script-main': 'src/testing/entry-script-main.ts',
    'testing/throwing-module': 'src/testing/throwing-module.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  external: ['@mpool/pool-core', 'vitest', './tasks.js'],
});
