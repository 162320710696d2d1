import { defineProject } from 'vitest/config';

// Most tests spawn the built bin (dist/), so `turbo run build` must run first (the root
// `pnpm test` does). Timeouts are generous: the machine has 2 cores shared with other suites.
export default defineProject({
  test: {
    name: '@mpool/digest-cli',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
