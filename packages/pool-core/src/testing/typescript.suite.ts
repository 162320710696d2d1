/**
 * TypeScript task modules with the built package, run the way users run programs: `tsx main.ts`,
 * `node --import tsx main.ts`, and plain `node` naming a `.ts` module by taskRef (issue #10,
 * item 11). The program files are written to a temporary folder for each test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runNodeScript } from './node-script.js';
import type { ConformanceTarget } from './target.js';

/** The program's files; `built` is the URL of the backend's built factory (see ConformanceTarget). */
function writeProgram(dir: string, built: string): void {
  const files: Record<string, string> = {
    'package.json': '{ "type": "module" }\n',
    // TypeScript-only syntax (an interface, annotations), so a worker without tsx cannot load it.
    'tasks.ts': `import { defineTasks } from ${JSON.stringify(built)};
interface Point { x: number; y: number }
export const { norm } = defineTasks(import.meta.url, { norm: (p: Point): number => Math.hypot(p.x, p.y) });
`,
    'helper.ts': 'export const label = (n: number): string => `#${n}`;\n',
    // A .js task module that imports a .ts one: loads in a worker only if tsx is there from the start.
    'js-tasks.mjs': `import { defineTasks } from ${JSON.stringify(built)};
import { label } from './helper.ts';
export const { tag } = defineTasks(import.meta.url, { tag: (n) => label(n) });
`,
    'main.ts': `import { createPool } from ${JSON.stringify(built)};
import { norm } from './tasks.js';
import { tag } from './js-tasks.mjs';
await using pool = createPool({ processes: 2 });
const norms: number[] = await pool.map(norm, [{ x: 3, y: 4 }, { x: 6, y: 8 }]);
console.log(JSON.stringify([norms, await pool.map(tag, [1, 2])]));
`,
    // No loader in the parent: the task module is named by URL, never imported here.
    'main.mjs': `import { createPool, taskRef } from ${JSON.stringify(built)};
const norm = taskRef(new URL('./tasks.ts', import.meta.url), 'norm');
const pool = createPool({ processes: 2 });
console.log(JSON.stringify(await pool.map(norm, [{ x: 3, y: 4 }, { x: 6, y: 8 }])));
pool.close();
await pool.join(10000);
`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

export function registerTypeScriptTests(target: ConformanceTarget): void {
  const built = target.builtFactoryModule;
  if (built === undefined) return;
  describe('TypeScript task modules with the built package', () => {
    const builtPath = fileURLToPath(built);
    // The tsx that the backend's project has, as a user's project would.
    const tsxCli = createRequire(builtPath).resolve('tsx/cli');
    const projectDir = dirname(builtPath);
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const program = () => {
      dir = mkdtempSync(join(tmpdir(), 'mpool-ts-'));
      writeProgram(dir, built);
      return dir;
    };

    it.each([
      ['tsx main.ts', () => [tsxCli, join(program(), 'main.ts')]],
      ['node --import tsx main.ts', () => ['--import', 'tsx', join(program(), 'main.ts')]],
    ])('%s: .ts task modules, and .ts files that .js task modules import, load in the workers', async (_, args) => {
      // Run from the project folder, where the bare `--import tsx` resolves (as for a user).
      const run = await runNodeScript(args(), { cwd: projectDir, hangMs: 25_000 });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('[[5,10],["#1","#2"]]');
      expect(run.code).toBe(0);
      expect(run.leftovers).toEqual([]);
    });

    it('plain node without a loader: a .ts task module named by taskRef loads in the workers (tsx registered before its import)', async () => {
      const dir = program();
      const run = await runNodeScript([join(dir, 'main.mjs')], { cwd: dir, hangMs: 25_000 });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('[5,10]');
      expect(run.code).toBe(0);
    });
  });
}
