/**
 * The process's edges: permissions (as a non-root user: root ignores them), SIGINT mid-run,
 * stdout closed early, and no worker process left behind.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanTempDirs, runBin, tempDir, writeTree } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(cleanTempDirs);

/** True once one of `pids` has a file under `root` open (hashing is under way, so signal handlers are set). */
function openUnder(pids: number[], root: string): boolean {
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(`${root}/`)) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

/** Processes (other than ours) whose environment holds `marker`. */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`).includes(marker)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

describe('permissions (run as nobody)', () => {
  it('reports unreadable files and unlistable directories, hashes the rest, exit 1', async () => {
    const root = join(dir, 'perm');
    // `secret` sits between two readable files of its directory: the files on either side of a
    // failure keep their own digests (the sink gets the listing's files as ranges around it).
    writeTree(root, [['ok', 'fine'], ['secret', 'hidden'], ['zz', 'after'], ['locked/inside', 'x'], ['noexec/entry', 'y'], ['open/z', 'z']]);
    chmodSync(join(root, 'secret'), 0o000);
    chmodSync(join(root, 'locked'), 0o000);
    chmodSync(join(root, 'noexec'), 0o644); // names can be listed, entries cannot be opened
    const r = await runBin(['perm'], { cwd: dir, asNobody: true });
    expect(r.code).toBe(1);
    const out = r.stdout.toString();
    const sha = (text: string) => createHash('sha512').update(text).digest('hex');
    expect(out).toBe(`${sha('fine')}  perm/ok\n${sha('z')}  perm/open/z\n${sha('after')}  perm/zz\n`);
    expect(out).not.toMatch(/secret|inside|entry/);
    expect(r.stderr).toContain('digest-tree: perm/secret: Permission denied\n');
    expect(r.stderr).toContain('digest-tree: perm/locked: Permission denied\n');
    expect(r.stderr).toContain('digest-tree: perm/noexec/entry: Permission denied\n');
  });
});

describe.each(['threads', 'procs'])('SIGINT with the %s backend', (backend) => {
  it('stops the workers, leaves no process behind, exits 130', async () => {
    const root = join(dir, `slow-${backend}`);
    mkdirSync(root);
    // Sparse files: no disk space, but hashing 16 GiB of zeros takes several seconds anywhere.
    for (let i = 0; i < 4; i++) execFileSync('truncate', ['-s', '4G', join(root, `zero${i}`)]);
    const marker = `DIGEST_TREE_TEST_MARKER=${process.pid}-${backend}-${Date.now()}`;
    const [key, value] = marker.split('=') as [string, string];
    const started = Date.now();
    const r = await runBin(['--backend', backend, root], {
      env: { [key]: value },
      // Not after a fixed delay: on a loaded machine the process may not have started yet (and
      // die of the signal's default action). Once a file is open, the run is under way.
      onSpawn: (child) => {
        const deadline = Date.now() + 15_000;
        const poll = setInterval(() => {
          if (!openUnder(processesWith(marker), root) && Date.now() < deadline) return;
          clearInterval(poll);
          child.kill('SIGINT');
        }, 50);
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('');
    expect(r.stdout.length).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(processesWith(marker)).toEqual([]);
  });
});

describe('stdout closed early', () => {
  it('digest-tree | head -1 exits quietly (no EPIPE stack)', async () => {
    const root = join(dir, 'many');
    writeTree(root, Array.from({ length: 3000 }, (_, i) => [`file-${i}`, `${i}`] as [string, string]));
    const script = `"${process.execPath}" "${BIN}" many 2>err.txt | head -1 > first.txt; echo "\${PIPESTATUS[0]}" > rc.txt`;
    execFileSync('bash', ['-c', script], { cwd: dir });
    expect(readFileSync(join(dir, 'first.txt'), 'utf8')).toMatch(/^[0-9a-f]{128} {2}many\/file-0\n$/);
    expect(readFileSync(join(dir, 'err.txt'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'rc.txt'), 'utf8').trim()).toBe('141');
  });

  it('also with --ndjson, which streams while hashing', async () => {
    const script = `"${process.execPath}" "${BIN}" --ndjson many 2>err2.txt | head -1 > /dev/null; echo "\${PIPESTATUS[0]}" > rc2.txt`;
    execFileSync('bash', ['-c', script], { cwd: dir });
    expect(readFileSync(join(dir, 'err2.txt'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'rc2.txt'), 'utf8').trim()).toBe('141');
  });
});

describe('progress', () => {
  it('is drawn on a terminal (a pty from script(1)) and cleared at the end', async () => {
    mkdirSync(join(dir, 'tty'));
    // Sparse files: long enough (~1 s) for the bar to be drawn a few times.
    for (let i = 0; i < 2; i++) execFileSync('truncate', ['-s', '512M', join(dir, 'tty', `zero${i}`)]);
    const command = `"${process.execPath}" "${BIN}" tty > /dev/null`;
    const out = execFileSync('script', ['-qfec', command, '/dev/null'], { cwd: dir, encoding: 'latin1' });
    expect(out).toMatch(/\d+ files \|/);
    expect(out).toContain('\x1b[?25h'); // the cursor is shown again
  });


  it('is silent on a pipe by default and drawn when forced with --progress', async () => {
    writeFileSync(join(dir, 'p.txt'), 'p');
    const quiet = await runBin(['p.txt'], { cwd: dir });
    expect(quiet.stderr).toBe('');
    const forced = await runBin(['--progress', 'p.txt'], { cwd: dir });
    expect(forced.stderr).toMatch(/files/);
    expect(forced.stdout.toString()).toMatch(/ {2}p\.txt\n$/);
  });
});
