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

describe('parseArgs: --backend bullmq (options, so always through commander)', () => {
  const url = 'redis://:pw@127.0.0.1:6379/2';

  it('--backend bullmq --redis URL --queue NAME: the fleet, with the operands', () => {
    const o = options(['--backend', 'bullmq', '--redis', url, '--queue', 'digest', 'tree', '-j', '8', 'other']);
    expect([o.backend, o.fleet, o.paths, o.jobs]).toEqual(['bullmq', { redis: url, queue: 'digest' }, ['tree', 'other'], 8]);
    expect(options(['tree', '--backend=bullmq', `--redis=${url}`, '--queue=q', '--wait-for-workers', '2.5']).fleet).toEqual({ redis: url, queue: 'q', noWorkerTimeoutMs: 2500 });
  });

  it.each([
    [['--backend', 'bullmq', '--redis', url, '--queue', 'q', '--wait-for-workers', '0', 'tree'], /--wait-for-workers <SECONDS>' argument '0' is invalid\. must be a number of seconds > 0/],
    [['--backend', 'bullmq', '--redis', 'http://u:pw@h', '--queue', 'q', 'tree'], /^--redis: expected a redis:\/\/ or rediss:\/\/ URL, got one starting with http:$/],
    [['--backend', 'bullmq', '--redis', url, '--queue', 'a:b', 'tree'], /^--queue: a queue name has no ':', got 'a:b'$/],
    [['--redis', url, 'tree'], /^--redis applies only with --backend bullmq$/],
    [['tree', '--queue', 'q'], /^--queue applies only with --backend bullmq$/],
    [['--backend', 'bullmq', '--redis'], /option '--redis <URL>' argument missing/],
  ])('%j is a usage error naming the flag', (argv, message) => {
    expect(() => options(argv)).toThrow(UsageError);
    expect(() => options(argv)).toThrow(message);
  });

  it('MPOOL_REDIS_URL / MPOOL_QUEUE: used with --backend bullmq only; an operands-only line stays local, on both parsers', () => {
    const saved = { redis: process.env.MPOOL_REDIS_URL, queue: process.env.MPOOL_QUEUE };
    process.env.MPOOL_REDIS_URL = url;
    process.env.MPOOL_QUEUE = 'from-env';
    try {
      expect(options(['--backend', 'bullmq', 'tree']).fleet).toEqual({ redis: url, queue: 'from-env' });
      const fast = parseArgs(['tree'], () => undefined);
      expect(fast).toEqual(parseWithCommander(['tree'], () => undefined));
      expect(fast).toMatchObject({ kind: 'run', options: { backend: 'threads', fleet: null } });
    } finally {
      for (const [key, value] of [['MPOOL_REDIS_URL', saved.redis], ['MPOOL_QUEUE', saved.queue]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
