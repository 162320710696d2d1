import { defineConfig } from 'tsup';

// The library (BullmqPool) and the mpool-worker bin are separate entries: the bin is ESM only.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    shims: true,
    external: ['@mpool/pool-core', '@mpool/pool-procs', '@mpool/pool-threads', 'bullmq', 'ioredis'],
  },
  {
    entry: { bin: 'src/worker/bin.ts', 'ready-task': 'src/worker/ready-task.ts' },
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: ['@mpool/pool-core', '@mpool/pool-procs', '@mpool/pool-threads', 'bullmq', 'ioredis', 'commander'],
  },
]);
