#!/usr/bin/env node
// Checks every publishable package as npm would see it: publint (package.json, exports, files) and
// @arethetypeswrong/cli (types resolve for ESM and CJS consumers). Exits 1 on any error.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dirs = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group)).map((name) => join(root, group, name)).filter((dir) => existsSync(join(dir, 'package.json'))),
);

// Deliberate exceptions, each with its reason.
const attwFlags = {
  // The conformance suite (`./testing`) is ESM only, like vitest that it runs on.
  '@mpool/pool-core': ['--ignore-rules', 'cjs-resolves-to-esm'],
};

let failed = 0;
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  for (const [tool, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.', '--profile', 'node16', ...(attwFlags[pkg.name] ?? [])]],
  ]) {
    try {
      execFileSync('pnpm', ['exec', tool, ...args], { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
      console.log(`ok    ${tool} ${pkg.name}`);
    } catch (error) {
      failed++;
      console.log(`FAIL  ${tool} ${pkg.name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
}
process.exit(failed ? 1 : 0);
