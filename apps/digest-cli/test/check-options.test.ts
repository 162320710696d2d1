/**
 * `-c [FILE...]` and its options (--quiet, --status, --warn, --strict, --ignore-missing) against
 * this machine's `sha512sum -c`: same stdout, same stderr (program name aside), same exit status.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanTempDirs, runBin, tempDir, writeTree } from './helpers.js';

const sha = (data: string) => createHash('sha512').update(data).digest('hex');
let dir: string;

beforeAll(() => {
  dir = tempDir();
  writeTree(dir, [
    ['a', 'alpha'],
    ['b', 'beta'],
    ['sub/dir/c', 'gamma'],
  ]);
  const line = (hex: string, name: string) => `${hex}  ${name}\n`;
  const files: Record<string, string> = {
    'ab.sha': line(sha('alpha'), 'a') + line(sha('beta'), 'b'),
    'a.sha': line(sha('alpha'), 'a'),
    // two improperly formatted lines (3, 4), then a missing file (5)
    'mixed.sha': line(sha('alpha'), 'a') + line(sha('beta'), 'b') + 'junk\n' + line('0000', 'short') + line(sha('x'), 'gone'),
    'all-missing.sha': line(sha('x'), 'gone') + line(sha('y'), 'gone2'),
    'junk.sha': 'junk\nmore junk\n',
    'wrong.sha': line(sha('not alpha'), 'a'),
    'wrong-and-missing.sha': line(sha('not alpha'), 'a') + line(sha('x'), 'gone'),
    'missing-and-junk.sha': line(sha('x'), 'gone') + 'junk\n',
    'ok-and-junk.sha': line(sha('alpha'), 'a') + 'junk\n' + line(sha('gamma'), 'sub/dir/c'),
    'a-directory.sha': line(sha('x'), 'sub') + line(sha('y'), 'gone'),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
});
afterAll(cleanTempDirs);

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sha512sum(args: string[], input = ''): Outcome {
  const r = spawnSync('sha512sum', args, { cwd: dir, input });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString().replaceAll('sha512sum: ', 'digest-tree: ') };
}

async function digestTree(args: string[], input = ''): Promise<Outcome> {
  const r = await runBin(args, { cwd: dir, input });
  return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr };
}

describe('-c [FILE...] matches sha512sum -c', () => {
  it.each([
    // orderings: -c is a flag, the operands are the manifests
    [['-c', 'ab.sha']],
    [['-c', '--quiet', 'mixed.sha']],
    [['--quiet', '-c', 'mixed.sha']],
    [['mixed.sha', '-c', '--quiet']],
    [['-c', 'ab.sha', 'a.sha']],
    [['-c', 'wrong.sha', 'mixed.sha']],
    [['--check', 'ab.sha', 'a.sha']],
    [['ab.sha', '-c', 'a.sha']], // an operand before -c is checked first
    [['a.sha', '--check', 'ab.sha', '--quiet', 'wrong.sha']],
    [['-c', 'a.sha', '-c', 'ab.sha']],
    [['-c', '--', 'ab.sha', 'a.sha']],
    // --strict: improperly formatted lines fail the check
    [['-c', '--strict', 'ok-and-junk.sha']],
    [['-c', 'ok-and-junk.sha']],
    [['-c', '--strict', '--status', 'ok-and-junk.sha']],
    [['-c', '--strict', 'mixed.sha']],
    [['-c', '--strict', 'junk.sha']],
    // -w / --warn: one message per improperly formatted line
    [['-c', '-w', 'mixed.sha']],
    [['-c', '--warn', 'junk.sha']],
    [['-c', '--warn', 'ok-and-junk.sha', 'ab.sha']],
    // ... in manifest-line order among the messages about unreadable files (line 1 is missing)
    [['-c', '-w', 'missing-and-junk.sha']],
    // --quiet, --status and --warn: the last one wins
    [['-c', '--quiet', '--warn', 'mixed.sha']],
    [['-c', '--warn', '--quiet', 'mixed.sha']],
    [['-c', '--status', '--warn', 'ok-and-junk.sha']],
    [['-c', '--warn', '--status', 'ok-and-junk.sha']],
    // --ignore-missing: missing files are skipped, but some file must have been verified
    [['-c', '--ignore-missing', 'mixed.sha']],
    [['-c', '--ignore-missing', '--strict', 'mixed.sha']],
    [['-c', '--ignore-missing', 'all-missing.sha']],
    [['-c', '--ignore-missing', '--quiet', 'all-missing.sha']],
    [['-c', '--ignore-missing', '--status', 'all-missing.sha']],
    [['-c', '--ignore-missing', 'all-missing.sha', 'ab.sha']],
    [['-c', '--ignore-missing', 'wrong-and-missing.sha']],
    [['-c', '--ignore-missing', 'missing-and-junk.sha']],
    [['-c', '--ignore-missing', 'junk.sha']],
    [['-c', '--ignore-missing', 'a-directory.sha']], // only "does not exist" is ignored
  ])('%j', async (args) => {
    const expected = sha512sum(args);
    expect(await digestTree(args)).toEqual(expected);
  });

  it.each([
    [['-c'], 'ab.sha'],
    [['-c', '-'], 'ab.sha'],
    [['-c', '-', '-'], 'ab.sha'],
    [['-c', '-w'], 'junk.sha'],
    [['-c', '--ignore-missing'], 'all-missing.sha'],
  ])('%j with stdin %s (none or - is standard input)', async (args, file) => {
    const { readFileSync } = await import('node:fs');
    const input = readFileSync(join(dir, file), 'utf8');
    const expected = sha512sum(args, input);
    expect(await digestTree(args, input)).toEqual(expected);
  });
});

describe('-c: decisions where digest-tree differs on purpose', () => {
  it('--check=FILE still works, FILE taking its place among the operands', async () => {
    expect(await digestTree(['--check=a.sha', 'ab.sha'])).toEqual({ code: 0, stdout: 'a: OK\na: OK\nb: OK\n', stderr: '' });
    expect(await digestTree(['ab.sha', '--check=a.sha'])).toEqual({ code: 0, stdout: 'a: OK\nb: OK\na: OK\n', stderr: '' });
  });

  it('a manifest that cannot be read is reported, the others still run, exit 2', async () => {
    const r = await digestTree(['-c', 'a.sha', 'nope.sha', 'ab.sha']);
    expect(r).toEqual({ code: 2, stdout: 'a: OK\na: OK\nb: OK\n', stderr: 'digest-tree: nope.sha: No such file or directory\n' });
  });

  it('names a manifest in messages in UTF-8, as typed (not one byte per character)', async () => {
    writeFileSync(join(dir, 'café.sha'), `${sha('alpha')}  a\njunk\n`);
    const r = await runBin(['-c', '-w', 'café.sha', 'nöpe.sha'], { cwd: dir });
    expect(Buffer.from(r.stderr, 'latin1').toString('utf8')).toBe(
      ['digest-tree: café.sha: 2: improperly formatted SHA512 checksum line', 'digest-tree: WARNING: 1 line is improperly formatted', 'digest-tree: nöpe.sha: No such file or directory', ''].join('\n'),
    );
    const usage = await runBin(['--ünknown'], { cwd: dir });
    expect(Buffer.from(usage.stderr, 'latin1').toString('utf8')).toMatch(/^digest-tree: unknown option '--ünknown'\n/);
  });

  it.each([['--strict'], ['-w'], ['--warn'], ['--ignore-missing'], ['--quiet'], ['--status']])('%s without -c is a usage error, as in coreutils', async (flag) => {
    const r = await digestTree([flag, 'a']);
    const long = flag === '-w' ? '--warn' : flag;
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`digest-tree: the ${long} option is meaningful only when verifying checksums\nTry 'digest-tree --help' for more information.\n`);
    expect(sha512sum([flag, 'a']).stderr).toContain(`the ${long} option is meaningful only when verifying checksums`);
  });

  it('--help documents -c [FILE...] and the new options', async () => {
    const help = (await digestTree(['--help'])).stdout;
    expect(help).toContain('digest-tree -c [options] [FILE...]');
    for (const flag of ['--strict', '-w, --warn', '--ignore-missing', '--quiet', '--status']) expect(help).toContain(flag);
  });
});
