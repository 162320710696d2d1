/** --audit matches files, not spellings; with no PATH it audits what the manifest names; --exclude applies to both sides. */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanTempDirs, runBin, tempDir, writeTree } from './helpers.js';

let root: string;

/** A fresh tree: ROOT/d/{a, s/b, s/c.log}, ROOT/e/x. */
beforeEach(() => {
  root = tempDir();
  writeTree(root, [
    ['d/a', 'alpha'],
    ['d/s/b', 'beta'],
    ['d/s/c.log', 'log'],
    ['e/x', 'ex'],
  ]);
});
afterAll(cleanTempDirs);

const clean = (n: number, extra = '') => `digest-tree: audit: 0 new, 0 missing, 0 changed, 0 moved, ${n} unchanged${extra}\n`;

async function manifestOf(args: string[], cwd: string, file: string): Promise<void> {
  const r = await runBin(args, { cwd });
  expect(r.code).toBe(0);
  writeFileSync(file, r.stdout);
}

describe.each(['threads', 'procs'])('--audit (%s)', (backend) => {
  const audit = (args: string[], cwd = root) => runBin(['--backend', backend, '--audit', ...args], { cwd });

  it('the same file spelled d/a, ./d/a or absolutely is one file', async () => {
    await manifestOf(['d'], root, join(root, 'm'));
    for (const operand of ['d', './d', 'd/', join(root, 'd'), 'd/../d']) {
      const r = await audit(['m', operand]);
      expect([operand, r.code, r.stdout.toString(), r.stderr]).toEqual([operand, 0, '', clean(3)]);
    }
    await manifestOf(['./d'], root, join(root, 'dot'));
    await manifestOf([join(root, 'd')], root, join(root, 'abs'));
    for (const m of ['dot', 'abs']) {
      const r = await audit([m, 'd']);
      expect([m, r.code, r.stdout.toString(), r.stderr]).toEqual([m, 0, '', clean(3)]);
    }
  });

  it('a changed file is "changed" whatever the spelling, not missing + new', async () => {
    await manifestOf(['d'], root, join(root, 'm'));
    writeFileSync(join(root, 'd/a'), 'ALPHA');
    renameSync(join(root, 'd/s/b'), join(root, 'd/s/b2'));
    const r = await audit(['m', './d']);
    expect([r.code, r.stdout.toString()]).toEqual([1, 'changed: d/a\nmoved: d/s/b -> d/s/b2\n']);
  });

  it('with no PATH, audits the paths the manifest names, relative to the current directory', async () => {
    await manifestOf(['d', 'e'], root, join(root, 'm'));
    await manifestOf([join(root, 'd')], root, join(root, 'abs'));
    const same = await audit(['m']);
    expect([same.code, same.stdout.toString(), same.stderr]).toEqual([0, '', clean(4)]);
    writeTree(root, [['d/s/new', 'fresh'], ['elsewhere', 'not under d or e']]);
    const grown = await audit(['m']);
    expect([grown.code, grown.stdout.toString()]).toEqual([1, 'new: d/s/new\n']);
    // Absolute paths: their deepest common directory.
    const abs = await audit(['../abs'], join(root, 'e'));
    expect([abs.code, abs.stdout.toString()]).toEqual([1, `new: ${join(root, 'd/s/new')}\n`]);
  });

  it('a manifest written in another directory: its own directory, or the PATH, is used when the current one names nothing (with a note)', async () => {
    // Written with `cd d && digest-tree`: paths ./a, ./s/b ...
    await manifestOf([], join(root, 'd'), join(root, 'from-d'));
    const viaPath = await audit(['from-d', 'd']);
    expect([viaPath.code, viaPath.stdout.toString()]).toEqual([0, '']);
    expect(viaPath.stderr).toBe(`digest-tree: note: relative paths in from-d are read from the PATH operand, d: from the current directory they name nothing to audit\n${clean(3)}`);
    // Kept next to the tree it describes: e/m lists t/...
    writeTree(root, [['e/t/f', 'in t']]);
    await manifestOf(['t'], join(root, 'e'), join(root, 'e/m'));
    const noPath = await audit(['e/m']);
    expect([noPath.code, noPath.stdout.toString()]).toEqual([0, '']);
    expect(noPath.stderr).toBe(`digest-tree: note: relative paths in e/m are read from the directory of the manifest, e: from the current directory they name nothing to audit\n${clean(1)}`);
    // From inside the directory, nothing needs guessing.
    const inside = await audit(['m', 't'], join(root, 'e'));
    expect([inside.code, inside.stderr]).toEqual([0, clean(1)]);
  });

  it('manifest paths outside every PATH are not compared (and are counted)', async () => {
    await manifestOf(['d', 'e'], root, join(root, 'm'));
    const r = await audit(['m', 'd']);
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, '', clean(3, ', 1 outside PATH (not compared)')]);
  });

  it('--exclude leaves the excluded paths out on both sides', async () => {
    await manifestOf(['d'], root, join(root, 'm'));
    for (const pattern of ['s/', '*.log', 's/b']) {
      const r = await audit(['m', 'd', '--exclude', pattern]);
      const kept = pattern === 's/' ? 1 : 2;
      expect([pattern, r.code, r.stdout.toString(), r.stderr]).toEqual([pattern, 0, '', clean(kept)]);
    }
    // Without a PATH too.
    const r = await audit(['m', '--exclude', '*.log']);
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, '', clean(2)]);
  });
});

describe('--audit: manifest names and --exclude bytes', () => {
  const audit = (args: string[], input?: string) => runBin(['--audit', ...args], { cwd: root, input });
  const utf8 = (stderr: string) => Buffer.from(stderr, 'latin1').toString('utf8');

  it('names a manifest in messages in UTF-8, as typed, and stdin as \'standard input\'', async () => {
    await manifestOf([], join(root, 'd'), join(root, 'café'));
    const note = await audit(['café', 'd']);
    expect([note.code, utf8(note.stderr)]).toEqual([0, `digest-tree: note: relative paths in café are read from the PATH operand, d: from the current directory they name nothing to audit\n${clean(3)}`]);
    writeFileSync(join(root, 'jünk'), 'junk\n');
    const junk = await audit(['jünk']);
    expect([junk.code, utf8(junk.stderr)]).toEqual([2, 'digest-tree: jünk: no properly formatted checksum lines found\n']);
    const stdin = await audit(['-', 'd'], 'junk\n');
    expect([stdin.code, stdin.stderr]).toEqual([2, "digest-tree: 'standard input': no properly formatted checksum lines found\n"]);
  });

  it('--exclude matches bytes on the manifest side too, as the walk does (caf?.log is not café.log)', async () => {
    writeTree(root, [['d/café.log', 'accent']]);
    await manifestOf(['d'], root, join(root, 'm'));
    const one = await audit(['m', 'd', '--exclude', 'caf?.log']);
    expect([one.code, one.stdout.toString(), one.stderr]).toEqual([0, '', clean(4)]);
    const two = await audit(['m', 'd', '--exclude', 'caf??.log']);
    expect([two.code, two.stdout.toString(), two.stderr]).toEqual([0, '', clean(3)]);
  });
});
