/** Stdout that cannot be written (`> /dev/full`) and stdout that closes early, through the built bin. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanTempDirs, runBin, tempDir, writeTree } from './helpers.js';

let dir: string;

beforeAll(async () => {
  dir = tempDir();
  writeTree(join(dir, 't'), [
    ['a', 'alpha'],
    ['b', 'beta'],
  ]);
  writeTree(dir, [['m.txt', (await runBin(['t'], { cwd: dir })).stdout]]);
  writeTree(join(dir, 'u'), [['new', 'not in the manifest']]);
});
afterAll(cleanTempDirs);

describe('write errors (> /dev/full)', () => {
  it.each([
    ['a tree', ['t']],
    ['--help', ['--help']],
    ['--version', ['--version']],
    ['--ndjson (streamed while hashing)', ['--ndjson', 't']],
    ['--json', ['--json', 't']],
    ['--check', ['-c', 'm.txt']],
    ['stdin as -', ['-']],
  ])('%s: one line "write error: No space left on device", exit 1, like sha512sum', async (_name, args) => {
    const r = await runBin(args, { cwd: dir, stdoutFile: '/dev/full', input: 'abc' });
    expect(r.stderr).toBe('digest-tree: write error: No space left on device\n');
    expect(r.code).toBe(1);
  });

  it('--audit: the write error ends stderr (after its summary), exit 1', async () => {
    const r = await runBin(['--audit', 'm.txt', 'u'], { cwd: dir, stdoutFile: '/dev/full' });
    expect(r.stderr).toMatch(/(^|\n)digest-tree: write error: No space left on device\n$/);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(1);
  });

  it('sha512sum says the same exit status', () => {
    const code = Number(execFileSync('bash', ['-c', 'sha512sum t/a > /dev/full 2>/dev/null; echo $?'], { cwd: dir }).toString().trim());
    expect(code).toBe(1);
  });
});

describe('stdout closed early', () => {
  it.each([[['--help']], [['t']]])('%j | true: exit 141 and nothing on stderr (EPIPE unchanged)', (args) => {
    // `exec 1>&-`-like: the reader is gone before anything is written.
    const script = `sleep_then_close() { exec 0<&-; }; "${process.execPath}" "${BIN}" ${args.join(' ')} 2>err.txt | sleep_then_close; echo "\${PIPESTATUS[0]}" > rc.txt`;
    execFileSync('bash', ['-c', script], { cwd: dir });
    expect(readFileSync(join(dir, 'err.txt'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'rc.txt'), 'utf8').trim()).toBe('141');
  });
});
