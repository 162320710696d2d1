import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@mpool/pool-core',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
