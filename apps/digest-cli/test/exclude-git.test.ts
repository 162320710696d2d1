/**
 * --exclude against real git: `git ls-files -o --exclude=PATTERN` lists the files git keeps for
 * the same patterns, on a tree of names where bytes and characters differ (UTF-8 and not).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanTempDirs, runBin, splitLines, tempDir, writeTree } from './helpers.js';

let root: string;
/** The repository lives outside the tree, so that digest-tree does not see a .git. */
let gitDir: string;
const latin1 = (s: string) => Buffer.from(s, 'latin1');

beforeAll(() => {
  const base = tempDir();
  root = join(base, 'tree');
  gitDir = join(base, 'repo.git');
  mkdirSync(root);
  writeTree(root, [
    ['café.log', '1'], // é = c3 a9: two bytes
    ['cafe.log', '2'],
    [latin1('caf\xe9.log'), '3'], // é as one latin-1 byte: not UTF-8
    [latin1('bad\xff.bin'), '4'],
    ['x[1].txt', '5'],
    ['x1.txt', '6'],
    ['dé/f', '7'],
    ['sub/café.log', '8'],
    ['sub/deep/b.log', '9'],
    ['.hidden', '10'],
    ['naïve/ü.txt', '11'],
  ]);
  execFileSync('git', ['init', '-q', '--bare', gitDir]);
});
afterAll(cleanTempDirs);

/** The files git leaves in for these patterns, as byte strings, sorted. */
function gitKeeps(patterns: string[]): string[] {
  const out = execFileSync('git', [`--git-dir=${gitDir}`, `--work-tree=${root}`, '-c', 'core.bare=false', 'ls-files', '-o', '-z', ...patterns.map((p) => `--exclude=${p}`)], { cwd: root });
  return out.toString('latin1').split('\0').filter(Boolean).sort();
}

async function digestTreeKeeps(patterns: string[]): Promise<string[]> {
  const r = await runBin([...patterns.flatMap((p) => ['--exclude', p]), '.'], { cwd: root });
  expect(r.stderr).toBe('');
  return splitLines(r.stdout)
    .map((line) => line.subarray(130).toString('latin1').replace(/^\.\//, ''))
    .sort();
}

describe('--exclude matches bytes, as git does', () => {
  it.each([
    [['caf?.log']], // ? is one byte: not café.log (two), but caf\xe9.log (one)
    [['caf??.log']],
    [['caf[é].log']], // a bracket expression is one byte too: matches nothing here
    [['caf[é][é].log']],
    [['caf[!e].log']],
    [['bad?.bin']], // a name that is not UTF-8
    [['d?/']],
    [['d??/']],
    [['*.log']],
    [['sub/']],
    [['/café.log']],
    [['**/b.log']],
    [['x[1].txt']],
    [['x\\[1\\].txt']],
    [['na?ve/']],
    [['*/?.txt']],
    [['[[:alpha:]]*']],
    [['*.log', '!café.log']],
    [['.*']],
  ])('%j', async (patterns) => {
    expect(await digestTreeKeeps(patterns)).toEqual(gitKeeps(patterns));
  });

  it('the tree is as intended (the comparison above is not vacuous)', async () => {
    expect(gitKeeps(['caf?.log'])).not.toContain('café.log');
    expect(gitKeeps(['caf?.log'])).not.toContain('caf\xe9.log');
    expect(gitKeeps(['caf??.log'])).not.toContain('café.log'.split('').map((c) => Buffer.from(c).toString('latin1')).join(''));
    expect(await digestTreeKeeps([])).toHaveLength(11);
  });
});
