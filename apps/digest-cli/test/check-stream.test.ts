/** --check against sha512sum -c itself: skipped lines, order, and reading the manifest as a stream. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanTempDirs, runBin, tempDir, writeTree } from './helpers.js';

let dir: string;
let manifest: string;

/** `sha512sum -c ARGS` in `dir`: what coreutils says, to compare with. */
function sha512sumCheck(args: string[], input?: string) {
  const r = spawnSync('sha512sum', ['-c', ...args], { cwd: dir, input: input ?? '', encoding: 'latin1' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.replaceAll('sha512sum: ', 'digest-tree: ') };
}

beforeAll(() => {
  dir = tempDir();
  const files: Array<[string, string]> = [];
  for (let i = 0; i < 60; i++) files.push([`f/${String(i).padStart(2, '0')}`, `content ${i}`]);
  writeTree(dir, files);
  manifest = execFileSync('sh', ['-c', 'sha512sum f/*'], { cwd: dir, encoding: 'latin1' });
});
afterAll(cleanTempDirs);

describe.each(['threads', 'procs'])('--check (%s)', (backend) => {
  it('skips blank lines, \\r-only lines and # comments silently, as sha512sum -c does; a line of spaces is still bad', async () => {
    const lines = manifest.split('\n').filter(Boolean);
    const quiet = ['# made by hand', '', lines[0], '\r', '#', lines[1], '', ''].join('\n');
    writeFileSync(join(dir, 'comments.txt'), quiet);
    const r = await runBin(['--backend', backend, '--check', 'comments.txt'], { cwd: dir });
    const reference = sha512sumCheck(['comments.txt']);
    expect([r.code, r.stdout.toString('latin1'), r.stderr]).toEqual([0, 'f/00: OK\nf/01: OK\n', '']);
    expect([r.code, r.stdout.toString('latin1'), r.stderr]).toEqual([reference.code, reference.stdout, reference.stderr]);

    writeFileSync(join(dir, 'spaces.txt'), `${quiet}\n   \n`);
    const spaces = await runBin(['--backend', backend, '--check', 'spaces.txt'], { cwd: dir });
    const spacesRef = sha512sumCheck(['spaces.txt']);
    expect(spaces.stderr).toBe('digest-tree: WARNING: 1 line is improperly formatted\n');
    expect([spaces.code, spaces.stdout.toString('latin1'), spaces.stderr]).toEqual([spacesRef.code, spacesRef.stdout, spacesRef.stderr]);
  });

  it('a manifest of only comments has no checksum lines: said even with --status, exit 1 (as sha512sum)', async () => {
    writeFileSync(join(dir, 'only-comments.txt'), '# nothing\n\n');
    const r = await runBin(['--backend', backend, '--check', 'only-comments.txt', '--status'], { cwd: dir });
    const reference = sha512sumCheck(['only-comments.txt', '--status']);
    expect([r.code, r.stdout.length, r.stderr]).toEqual([1, 0, 'digest-tree: only-comments.txt: no properly formatted checksum lines found\n']);
    expect([r.code, r.stderr]).toEqual([reference.code, reference.stderr]);
  });

  it('reports in manifest order, byte-identical with sha512sum -c, on a manifest longer than its read-ahead window', async () => {
    const lines = manifest.split('\n').filter(Boolean);
    lines.push(`${'0'.repeat(128)}  f/00`, `${'1'.repeat(128)}  f/absent`);
    const long: string[] = [];
    // 9,000 lines (more than twice the 4,096-line window), files repeated far apart, in a fixed shuffle.
    for (let i = 0; i < 9000; i++) long.push(lines[(i * 37 + (i >> 5)) % lines.length]!);
    writeFileSync(join(dir, 'long.txt'), `${long.join('\n')}\n`);
    const r = await runBin(['--backend', backend, '-j', '2', '--check', 'long.txt'], { cwd: dir });
    const reference = sha512sumCheck(['long.txt']);
    expect(r.stdout.toString('latin1').split('\n').length).toBe(9001);
    expect(r.code).toBe(1);
    expect([r.code, r.stdout.toString('latin1'), r.stderr]).toEqual([reference.code, reference.stdout, reference.stderr]);
  });

  it('streams: verified lines come out while the manifest on stdin is still open', async () => {
    // One file with a long name, listed often: more than one 64 KiB block of "name: OK" lines.
    const name = `${'n'.repeat(200)}.txt`;
    writeTree(dir, [[name, 'streamed']]);
    const line = execFileSync('sha512sum', [name], { cwd: dir, encoding: 'latin1' });
    const child = spawn(process.execPath, [BIN, '--backend', backend, '--check', '-'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const firstOutput = new Promise<number>((resolve) => child.stdout.on('data', (c: Buffer) => (out.push(c), resolve(Date.now()))));
    child.stdin.write(line.repeat(400));
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000));
    const seen = await Promise.race([firstOutput, timeout]);
    const openWhenSeen = child.stdin.writable;
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(seen).not.toBe('timeout');
    expect(openWhenSeen).toBe(true);
    expect(code).toBe(0);
    expect(Buffer.concat(out).toString('latin1')).toBe(`${name}: OK\n`.repeat(400));
  });

  it('stops at once when stdout closes, even with the manifest on stdin still open (no hang)', async () => {
    const name = `${'m'.repeat(200)}.txt`;
    writeTree(dir, [[name, 'closed early']]);
    const line = execFileSync('sha512sum', [name], { cwd: dir, encoding: 'latin1' });
    const child = spawn(process.execPath, [BIN, '--backend', backend, '--check', '-'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => undefined); // the child may be gone before we stop writing
    child.stdout.once('data', () => child.stdout.destroy()); // the reader goes away after one block
    child.stdin.write(line.repeat(3000)); // ~10 blocks of output; stdin is never ended
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const timeout = new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), 30_000));
    const result = await Promise.race([exit, timeout]);
    child.kill('SIGKILL');
    expect(result).toBe(141);
  });
});
