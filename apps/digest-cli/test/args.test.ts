/** The argument table in-process: orderings, the manifests of -c, and the --quiet/--status/--warn rule. */
import { describe, expect, it } from 'vitest';
import { parseArgs, parseWithCommander, type CliOptions } from '../src/cli/args.js';
import { UsageError } from '../src/errors.js';

function options(argv: string[]): CliOptions {
  const parsed = parseArgs(argv, () => undefined);
  if (parsed.kind !== 'run') throw new Error('expected a run');
  return parsed.options;
}

describe('parseArgs', () => {
  it.each([
    [['-c'], ['-']],
    [['-c', '-'], ['-']],
    [['-c', 'a', 'b'], ['a', 'b']],
    [['a', '-c', 'b'], ['a', 'b']],
    [['a', '-c', '--quiet', 'b'], ['a', 'b']],
    [['--check=a', 'b'], ['a', 'b']],
    [['b', '--check=a'], ['b', 'a']],
    [['-c', 'a', '-c', 'b', 'c'], ['a', 'b', 'c']],
    [['x', '--quiet', 'y', '-c', 'z'], ['x', 'y', 'z']],
    [['-c', '--', '-x', '--quiet'], ['-x', '--quiet']],
  ])('%j checks the manifests %j, in that order', (argv, manifests) => {
    const o = options(argv);
    expect([o.mode, o.manifests, o.paths]).toEqual(['check', manifests, []]);
  });

  it('digest mode: operands in order, - kept as stdin, options anywhere', () => {
    const o = options(['a', '--tag', '-', '-j', '2', 'b', '--', '--c']);
    expect([o.mode, o.paths, o.format, o.jobs]).toEqual(['digest', ['a', '-', 'b', '--c'], 'bsd', 2]);
  });

  it.each([
    [['-c', '--quiet', '--status'], 'status'],
    [['-c', '--status', '--quiet'], 'quiet'],
    [['-c', '--quiet', '-w'], 'warn'],
    [['-c', '-w', '--status', 'm', '--quiet'], 'quiet'],
  ])('%j: the last of --quiet/--status/--warn wins (%s)', (argv, winner) => {
    const o = options(argv);
    expect({ quiet: o.quiet, status: o.status, warn: o.warn }).toEqual({ quiet: winner === 'quiet', status: winner === 'status', warn: winner === 'warn' });
  });

  it('--help after an operand still shows the help', () => {
    let text = '';
    expect(parseArgs(['x', '--help'], (t) => (text += t))).toEqual({ kind: 'exit' });
    expect(text).toContain('digest-tree -c [options] [FILE...]');
  });

  it('unknown options after operands are still reported, with a suggestion', () => {
    expect(() => parseArgs(['-c', 'm', '--quite'], () => undefined)).toThrow(UsageError);
    expect(() => parseArgs(['-c', 'm', '--quite'], () => undefined)).toThrow(/unknown option '--quite'\n\(Did you mean --quiet\?\)/);
  });

  it.each([[[]], [['a']], [['a', 'b c', 'x/y', '']], [['dir-', 'ünï', 'a=b']]])('operands only %j: the same options without commander (the fast path) as with it', (argv) => {
    const fast = parseArgs(argv, () => undefined);
    expect(fast).toEqual(parseWithCommander(argv, () => undefined));
    expect(fast).toMatchObject({ kind: 'run', options: { mode: 'digest', paths: argv.length > 0 ? argv : ['.'] } });
  });
});
