/** Runs the compile-time tests in test/types (tsc must accept every line and every @ts-expect-error must be needed). */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the public types accept what works and reject what cannot (test/types/pool-api.ts)', async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
  const output = await new Promise<string>((resolve) =>
    execFile(process.execPath, [tsc, '--noEmit', '-p', project], { timeout: 120_000 }, (error, stdout, stderr) => resolve(error ? `${stdout}${stderr}` || String(error) : '')),
  );
  expect(output).toBe('');
}, 150_000);
