// This package is CommonJS (the generated napi loader is), so its config is
// written as a CommonJS module: ESM syntax here makes Vite warn and
// TypeScript (verbatimModuleSyntax) refuse the file.
import vitestConfig = require('vitest/config');

export = vitestConfig.defineProject({
  test: {
    name: '@mpool/sha512-native',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
