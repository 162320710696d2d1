import { defineConfig } from 'vitest/config';

// One vitest run over every package (vitest 4 ignores vitest.workspace.ts: projects live here).
// MPOOL_TEST_REPORT=<file> adds a JSON report that .ci/run sums into its closing line.
const report = process.env.MPOOL_TEST_REPORT;

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
