/**
 * The correctness oracle: on a tree holding every hard case, the output must (1) pass
 * `sha512sum -c --strict` and (2) hold exactly the lines of `find DIR -type f | xargs sha512sum`,
 * for both backends and both hashers, and be byte-identical whatever the backend, worker count
 * and hasher, and whether the tree is hashed on the main thread (it is small enough: inline.ts)
 * or by a pool (forced with DIGEST_TREE_INLINE_MS=0); the messages are the same lines too.
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

const stderrs = new Map<string, string[]>();
/** `inline`: the default (a tree this small starts no pool); `pool`: a pool from the start. */
const INLINE_ENV = { inline: {}, pool: { DIGEST_TREE_INLINE_MS: '0' } } as const;
const combos = [
  ['threads', 'native', 'inline'],
  ['threads', 'node', 'inline'],
  ['procs', 'native', 'inline'],
  ['procs', 'node', 'inline'],
  ['threads', 'native', 'pool'],
  ['threads', 'node', 'pool'],
  ['procs', 'native', 'pool'],
  ['procs', 'node', 'pool'],
] as const;

describe.each(combos)('backend %s, hasher %s, %s', (backend, hasher, mode) => {
  const env = INLINE_ENV[mode];
  it('matches find | xargs sha512sum and passes sha512sum -c --strict', async () => {
    const result = await runBin(['--backend', backend, '--hasher', hasher, 'tree'], { cwd: parent, env });
    expect(result.stderr).not.toContain('internal error');
    expect(result.code).toBe(0);
    expect(sortedLines(splitLines(result.stdout))).toEqual(reference);
    const manifest = join(parent, `manifest-${backend}-${hasher}-${mode}.txt`);
    writeFileSync(manifest, result.stdout);
    // Throws (failing the test) unless every line is well formed and matches.
    execFileSync('sha512sum', ['-c', '--strict', '--quiet', manifest], { cwd: parent });
    outputs.set(`${backend}/${hasher}/${mode}`, result.stdout);
    stderrs.set(`${backend}/${hasher}/${mode}`, result.stderr.split('\n').sort());
  });

  it('notes each special file and never opens it (no hang)', async () => {
    const result = await runBin(['--backend', backend, '--hasher', hasher, 'tree'], { cwd: parent, env });
    for (const name of tree.specials) expect(result.stderr).toContain(`digest-tree: tree/${name}: not a regular file`);
    // Symlinks are not followed by default: the loop and the dangling link say nothing.
    expect(result.stderr).not.toContain('loop');
    expect(result.stderr).not.toContain('dangling');
  });
});

describe('determinism', () => {
  it('prints byte-identical output for every backend, hasher, worker count, inline or not', async () => {
    const one = await runBin(['-j', '1', 'tree'], { cwd: parent, env: INLINE_ENV.pool });
    const three = await runBin(['--jobs', '3', 'tree'], { cwd: parent, env: INLINE_ENV.pool });
    expect(one.stdout.equals(three.stdout)).toBe(true);
    expect(outputs.size).toBe(combos.length);
    for (const [combo, out] of outputs) expect(out.equals(one.stdout), combo).toBe(true);
  });

  it('says the same things (in some order) inline and on a pool', () => {
    const reference = stderrs.get('threads/native/pool')!;
    expect(reference.some((line) => line.includes('not a regular file'))).toBe(true);
    for (const [combo, lines] of stderrs) expect(lines, combo).toEqual(reference);
  });

  it('sorts lines bytewise by path', async () => {
    const out = await runBin(['tree'], { cwd: parent });
    const paths = splitLines(out.stdout).map((line) => parseLine(line.toString('latin1'))!.path);
    const sorted = [...paths].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
    expect(paths).toEqual(sorted);
  });
});
