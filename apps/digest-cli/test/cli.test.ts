/** The command line: formats, options, usage errors and bad input, through the built bin. */
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanTempDirs, runBin, splitLines, tempDir, writeTree } from './helpers.js';

const sha = (data: string | Buffer) => createHash('sha512').update(data).digest('hex');
let dir: string;

beforeAll(() => {
  dir = tempDir();
  writeTree(join(dir, 't'), [
    ['a.txt', 'alpha'],
    ['sub/b.log', 'beta'],
    ['sub/deeper/c.txt', 'gamma'],
    [Buffer.from([0x78, 0xff]), 'not utf-8'],
  ]);
});
afterAll(cleanTempDirs);

describe('formats', () => {
  it('default: GNU lines sorted by path', async () => {
    const r = await runBin(['t'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const expected = [`${sha('alpha')}  t/a.txt`, `${sha('beta')}  t/sub/b.log`, `${sha('gamma')}  t/sub/deeper/c.txt`, `${sha('not utf-8')}  t/x\xff`];
    expect(r.stdout.toString('latin1')).toBe(`${expected.join('\n')}\n`);
  });

  it('--tag: BSD lines, raw bytes for non-UTF-8 names', async () => {
    const r = await runBin(['--tag', 't'], { cwd: dir });
    const text = r.stdout.toString('latin1');
    expect(text).toContain(`SHA512 (t/sub/b.log) = ${sha('beta')}\n`);
    expect(text).toContain(`SHA512 (t/x\xff) = ${sha('not utf-8')}\n`);
  });

  it('--json: one object, surrogateescape for non-UTF-8 names', async () => {
    const r = await runBin(['--json', 't'], { cwd: dir });
    const parsed = JSON.parse(r.stdout.toString('utf8')) as Record<string, string>;
    expect(Object.keys(parsed)).toEqual(['t/a.txt', 't/sub/b.log', 't/sub/deeper/c.txt', 't/x\udcff']);
    expect(parsed['t/x\udcff']).toBe(sha('not utf-8'));
    expect(r.stdout.toString('latin1')).toContain('"t/x\\udcff"'); // written as an ASCII escape
  });

  it('--json on an empty tree prints {}', async () => {
    mkdirSync(join(dir, 'void'), { recursive: true });
    const r = await runBin(['--json', 'void'], { cwd: dir });
    expect(r.stdout.toString()).toBe('{}\n');
    expect(r.code).toBe(0);
  });

  it('--ndjson: one object per file, pathBase64 for non-UTF-8 names', async () => {
    const r = await runBin(['--ndjson', 't'], { cwd: dir });
    const rows = splitLines(r.stdout).map((l) => JSON.parse(l.toString('utf8')) as Record<string, string>);
    expect(rows).toHaveLength(4);
    const odd = rows.find((row) => row.pathBase64 !== undefined)!;
    expect(Buffer.from(odd.pathBase64!, 'base64')).toEqual(Buffer.from([0x74, 0x2f, 0x78, 0xff]));
    expect(odd.path).toBe('t/x\udcff');
    expect(rows.find((row) => row.path === 't/a.txt')?.sha512).toBe(sha('alpha'));
  });
});

describe('options', () => {
  it('defaults to the current directory', async () => {
    const r = await runBin([], { cwd: join(dir, 't', 'sub') });
    expect(r.stdout.toString()).toBe(`${sha('beta')}  ./b.log\n${sha('gamma')}  ./deeper/c.txt\n`);
  });

  it('--exclude takes gitignore patterns, repeatable', async () => {
    const r = await runBin(['--exclude', '*.log', '--exclude', 'deeper/', 't'], { cwd: dir });
    expect(r.stdout.toString('latin1')).not.toMatch(/b\.log|c\.txt/);
    expect(r.stdout.toString('latin1')).toContain('t/a.txt');
    const caseSensitive = await runBin(['--exclude', '*.TXT', 't'], { cwd: dir });
    expect(caseSensitive.stdout.toString('latin1')).toContain('t/a.txt');
  });

  it('--follow follows symlinks and reports a loop once, without hanging', async () => {
    const root = join(dir, 'loop');
    writeTree(root, [['d/f', 'f']]);
    symlinkSync('..', join(root, 'd', 'up'));
    symlinkSync('self', join(root, 'self'));
    const plain = await runBin(['loop'], { cwd: dir });
    expect(plain.stdout.toString()).toBe(`${sha('f')}  loop/d/f\n`);
    const followed = await runBin(['--follow', 'loop'], { cwd: dir });
    expect(followed.stdout.toString()).toBe(`${sha('f')}  loop/d/f\n`);
    expect(followed.stderr).toContain('digest-tree: loop/d/up: file system loop detected');
    expect(followed.stderr).toContain('digest-tree: loop/self: Too many levels of symbolic links');
  });

  it('--help says NDJSON is unordered and lists exit codes; --version prints the version', async () => {
    const help = await runBin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toMatch(/--ndjson.*unordered/);
    expect(help.stdout.toString()).toContain('Exit status');
    const version = await runBin(['--version']);
    expect(version.stdout.toString().trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [['--jobs', '0']],
    [['--backend', 'fibers']],
    [['--hasher', 'md5']],
    [['--no-such-option']],
    [['--json', '--tag']],
    [['--quiet', 't']],
    [['-c', '--exclude', 'x', 'm']],
    [['--strict', 't']],
    [['--audit', 'm', '-']],
  ])('usage error %j exits 2 with a hint', async (args) => {
    const r = await runBin(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^digest-tree: .*\nTry 'digest-tree --help'/);
    expect(r.stdout.length).toBe(0);
  });
});

describe('bad input', () => {
  it('a non-existent path: reported, others still hashed, exit 1', async () => {
    const r = await runBin(['nope', 't/a.txt'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('digest-tree: nope: No such file or directory\n');
    expect(r.stdout.toString()).toBe(`${sha('alpha')}  t/a.txt\n`);
  });

  it('an empty tree and a 0-byte file', async () => {
    const root = join(dir, 'zero');
    mkdirSync(join(root, 'empty-dir'), { recursive: true });
    writeFileSync(join(root, 'zero'), '');
    const r = await runBin(['zero'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`${sha('')}  zero/zero\n`);
    const empty = await runBin(['zero/empty-dir'], { cwd: dir });
    expect(empty.code).toBe(0);
    expect(empty.stdout.length).toBe(0);
  });

  it('operands with a leading dash, after --', async () => {
    writeTree(dir, [['-dashed/f', 'x']]);
    const r = await runBin(['--', '-dashed'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`${sha('x')}  -dashed/f\n`);
  });

  it('a FIFO given as an operand is skipped with a note, never opened', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const r = await runBin(['pipe'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('digest-tree: pipe: not a regular file (fifo), skipped\n');
  });

  it('the procs backend and the native hasher are selectable', async () => {
    const r = await runBin(['--backend', 'procs', '--hasher', 'native', 't/a.txt'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe(`${sha('alpha')}  t/a.txt\n`);
  });
});

describe('the - operand (stdin)', () => {
  it('printf abc | digest-tree - prints the digest of stdin named -, as sha512sum - does', async () => {
    const r = await runBin(['-'], { cwd: dir, input: 'abc' });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe(`${sha('abc')}  -\n`);
    const { execFileSync } = await import('node:child_process');
    expect(r.stdout).toEqual(execFileSync('sha512sum', ['-'], { input: 'abc' }));
  });

  it('mixes with trees, also after --; a second - reads nothing more; ./- is a file named -', async () => {
    writeTree(dir, [['-', 'a file named dash']]);
    const r = await runBin(['--', '-', 't/a.txt', '-'], { cwd: dir, input: 'abc' });
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`${sha('abc')}  -\n${sha('')}  -\n${sha('alpha')}  t/a.txt\n`);
    const file = await runBin(['./-'], { cwd: dir, input: 'abc' });
    expect(file.stdout.toString()).toBe(`${sha('a file named dash')}  ./-\n`);
    const json = await runBin(['--json', '-'], { cwd: dir, input: 'abc' });
    expect(JSON.parse(json.stdout.toString())).toEqual({ '-': sha('abc') });
    const ndjson = await runBin(['--ndjson', '-'], { cwd: dir, input: 'abc' });
    expect(JSON.parse(ndjson.stdout.toString())).toEqual({ path: '-', sha512: sha('abc') });
  });

  it('Ctrl-C while stdin is still open stops the read at once, exit 130', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('./helpers.js');
    const child = spawn(process.execPath, [BIN, '-'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    // 1 MiB is more than a pipe holds: once it is all written, the child is reading stdin (its
    // signal handlers are set), whatever the load on the machine. The writer then stays open.
    await new Promise<void>((resolve) => child.stdin.write(Buffer.alloc(1 << 20, 7), () => resolve()));
    const killedAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(Date.now() - killedAt).toBeLessThan(4000); // not the 5 s forced exit
    child.stdin.destroy();
  });

  it('stdin that cannot be read (a directory) is reported as -, exit 1', async () => {
    const { spawnSync } = await import('node:child_process');
    const { BIN } = await import('./helpers.js');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" - t/a.txt < .`], { cwd: dir });
    expect(r.stderr.toString()).toBe('digest-tree: -: Is a directory\n');
    expect(r.stdout.toString()).toBe(`${sha('alpha')}  t/a.txt\n`);
    expect(r.status).toBe(1);
  });
});
