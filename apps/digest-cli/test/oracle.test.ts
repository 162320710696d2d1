/**
 * The correctness oracle: on a tree holding every hard case, the output must (1) pass
 * `sha512sum -c --strict` and (2) hold exactly the lines of `find DIR -type f | xargs sha512sum`,
 * for both backends and both hashers, and be byte-identical whatever the backend, worker count
 * and hasher.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLine } from '../src/format/lines.js';
import { makeHardTree, type HardTree } from './fixtures.js';
import { cleanTempDirs, coreutilsLines, runBin, sortedLines, splitLines, tempDir } from './helpers.js';

let parent: string;
let tree: HardTree;
let reference: string[];
const outputs = new Map<string, Buffer>();

beforeAll(() => {
  parent = tempDir();
  tree = makeHardTree(join(parent, 'tree'));
  reference = sortedLines(coreutilsLines('tree', parent));
});
afterAll(cleanTempDirs);

const combos = [
  ['threads', 'native'],
  ['threads', 'node'],
  ['procs', 'native'],
  ['procs', 'node'],
] as const;

describe.each(combos)('backend %s, hasher %s', (backend, hasher) => {
  it('matches find | xargs sha512sum and passes sha512sum -c --strict', async () => {
    const result = await runBin(['--backend', backend, '--hasher', hasher, 'tree'], { cwd: parent });
    expect(result.stderr).not.toContain('internal error');
    expect(result.code).toBe(0);
    expect(sortedLines(splitLines(result.stdout))).toEqual(reference);
    const manifest = join(parent, `manifest-${backend}-${hasher}.txt`);
    writeFileSync(manifest, result.stdout);
    // Throws (failing the test) unless every line is well formed and matches.
    execFileSync('sha512sum', ['-c', '--strict', '--quiet', manifest], { cwd: parent });
    outputs.set(`${backend}/${hasher}`, result.stdout);
  });

  it('notes each special file and never opens it (no hang)', async () => {
    const result = await runBin(['--backend', backend, '--hasher', hasher, 'tree'], { cwd: parent });
    for (const name of tree.specials) expect(result.stderr).toContain(`digest-tree: tree/${name}: not a regular file`);
    // Symlinks are not followed by default: the loop and the dangling link say nothing.
    expect(result.stderr).not.toContain('loop');
    expect(result.stderr).not.toContain('dangling');
  });
});

describe('determinism', () => {
  it('prints byte-identical output for every backend, hasher and worker count', async () => {
    const one = await runBin(['-j', '1', 'tree'], { cwd: parent });
    const three = await runBin(['--jobs', '3', 'tree'], { cwd: parent });
    expect(one.stdout.equals(three.stdout)).toBe(true);
    for (const [combo, out] of outputs) expect(out.equals(one.stdout), combo).toBe(true);
  });

  it('sorts lines bytewise by path', async () => {
    const out = await runBin(['tree'], { cwd: parent });
    const paths = splitLines(out.stdout).map((line) => parseLine(line.toString('latin1'))!.path);
    const sorted = [...paths].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
    expect(paths).toEqual(sorted);
  });
});
