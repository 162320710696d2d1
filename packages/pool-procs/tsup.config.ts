import { defineConfig } from 'tsup';

// The child entry is an entry of its own so it exists as dist/worker.{js,cjs} next to the
// library; the transport forks the sibling with its own extension.
export default defineConfig({
  entry: { index: 'src/index.ts', worker: 'src/worker.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
  external: ['@mpool/pool-core'],
});
