import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@mpool/pool-bullmq',
    include: ['test/**/*.test.ts'],
    // One Redis server and one fleet of two mpool-workers for every test file (see test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
