import { defineConfig } from 'tsup';

// The library: ESM + CJS + types. The conformance suite is built after it by
// tsup.testing.config.ts, because the suite imports the library by its package name.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
});
