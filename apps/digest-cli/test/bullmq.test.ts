/**
 * `--backend bullmq`: a real redis-server and two mpool-workers, started once for the file with
 * the README's command (plain node, `--root` = this package, no tsx), running as nobody so that a
 * file the caller (root) could read is unreadable on the workers' side. Every output must be the
 * threads backend's, byte for byte; then the faults: a worker killed mid-run, Redis restarted
 * mid-run, no worker left at all. A missing redis-server fails the file (startRedis throws).
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, startWorker, type FleetWorkerProcess } from '../../../packages/pool-bullmq/test/harness/fleet.js';
import { startRedis, type RedisServer } from '../../../packages/pool-bullmq/test/harness/redis-server.js';
import { makeHardTree } from './fixtures.js';
import { cleanTempDirs, runBin, splitLines, tempDir, type RunResult } from './helpers.js';

/** This package: what `mpool-worker --root` must cover (dist/tasks.js is the task module). */
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
const QUEUE = 'digest';

let redis: RedisServer;
let workers: FleetWorkerProcess[] = [];
let dir: string;

const startOne = () => startWorker({ url: redis.url, queue: QUEUE, tsx: false, roots: [PACKAGE_ROOT], wrap: NOBODY });
const fleetArgs = () => ['--backend', 'bullmq', '--redis', redis.url, '--queue', QUEUE];
const threads = (args: string[]) => runBin(['--backend', 'threads', ...args], { cwd: dir, asNobody: true });
const bullmq = (args: string[], env?: Record<string, string>) => runBin([...fleetArgs(), ...args], { cwd: dir, env });
/** stderr lines in a stable order (problems are reported as results arrive). */
const errLines = (r: RunResult) => r.stderr.split('\n').filter(Boolean).sort();

/** `chains` directory chains of `depth`, a file in each directory: listing them takes `depth` round trips in a row. */
function chainTree(root: string, chains: number, depth: number): void {
  for (let c = 0; c < chains; c++) {
    let path = join(root, `c${c}`);
    for (let i = 0; i < depth; i++) {
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, 'f'), `chain ${c} level ${i}\n`);
      path = join(path, 'd');
    }
  }
}

beforeAll(async () => {
  redis = await startRedis();
  dir = tempDir();
  makeHardTree(join(dir, 'tree'));
  mkdirSync(join(dir, 'locked'));
  writeFileSync(join(dir, 'locked/readable'), 'fine\n');
  writeFileSync(join(dir, 'locked/secret'), 'root only\n');
  mkdirSync(join(dir, 'locked/closed'));
  writeFileSync(join(dir, 'locked/closed/inside'), 'x');
  chmodSync(join(dir, 'locked/secret'), 0o600);
  chmodSync(join(dir, 'locked/closed'), 0o700);
  chainTree(join(dir, 'chains'), 4, 500);
  // Big files in nested directories: hash jobs of ~100 ms each, under descending listings.
  for (let i = 0; i < 12; i++) {
    mkdirSync(join(dir, `big/d${i % 3}/e${i % 2}`), { recursive: true });
    const data = Buffer.alloc(24 << 20, i);
    data.write(`big file ${i}`);
    writeFileSync(join(dir, `big/d${i % 3}/e${i % 2}/f${i}`), data);
  }
  mkdirSync(join(dir, 'tiny'));
  writeFileSync(join(dir, 'tiny/readable'), 'anyone\n');
  writeFileSync(join(dir, 'tiny/secret'), 'root only\n');
  chmodSync(join(dir, 'tiny/secret'), 0o600);
  workers = await startFleet({ url: redis.url, queue: QUEUE, tsx: false, roots: [PACKAGE_ROOT], wrap: NOBODY });
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGKILL')));
  await redis?.stop();
  cleanTempDirs();
});

/** Runs `args` on both backends and expects the same exit code, stdout bytes and problems. */
async function same(args: string[], { unordered = false } = {}): Promise<RunResult> {
  const [local, fleet] = await Promise.all([threads(args), bullmq(args)]);
  expect(fleet.stderr).not.toContain('internal error');
  expect(fleet.code, fleet.stderr).toBe(local.code);
  if (unordered) expect(splitLines(fleet.stdout).map(String).sort()).toEqual(splitLines(local.stdout).map(String).sort());
  else expect(fleet.stdout.equals(local.stdout), `stdout of ${args.join(' ')}`).toBe(true);
  expect(errLines(fleet)).toEqual(errLines(local));
  return fleet;
}

describe('--backend bullmq prints what --backend threads prints', () => {
  it.each([[[]], [['--tag']], [['--json']], [['--exclude', 'many/', '--exclude', '*.bin']], [['-L']], [['-j', '1']], [['-j', '7']]])(
    'on the hard-name tree, with %j',
    async (extra) => {
      const r = await same([...extra, 'tree']);
      expect(r.code).toBe(0);
      expect(splitLines(r.stdout).length).toBeGreaterThan(10);
    },
  );

  it('on deep directory chains (fleet listings descend into what they find)', async () => {
    const r = await same(['chains']);
    expect(splitLines(r.stdout)).toHaveLength(2000);
  });

  it('--ndjson: the same lines (streamed, so unordered)', async () => {
    await same(['--ndjson', 'tree'], { unordered: true });
  });

  it('takes the Redis URL and the queue from MPOOL_REDIS_URL / MPOOL_QUEUE', async () => {
    const [local, fleet] = await Promise.all([threads(['tree']), runBin(['--backend', 'bullmq', 'tree'], { cwd: dir, env: { MPOOL_REDIS_URL: redis.url, MPOOL_QUEUE: QUEUE } })]);
    expect(fleet.code, fleet.stderr).toBe(0);
    expect(fleet.stdout.equals(local.stdout)).toBe(true);
  });

  it('--check and --audit give the same verdicts', async () => {
    const manifest = (await threads(['tree'])).stdout;
    const lines = splitLines(manifest);
    // One digest changed, one file dropped (--audit: new), one that does not exist (missing / FAILED open).
    const bad = Buffer.from(lines[0]!.toString('latin1').replace(/^\\?[0-9a-f]/, (m) => (m.endsWith('0') ? m.slice(0, -1) + '1' : m.slice(0, -1) + '0')), 'latin1');
    const edited = [bad, ...lines.slice(2), Buffer.from(`${'0'.repeat(128)}  tree/not-there`)];
    writeFileSync(join(dir, 'edited.sha512'), Buffer.concat(edited.flatMap((l) => [l, Buffer.from('\n')])));
    const check = await same(['-c', 'edited.sha512']);
    expect(check.code).toBe(1);
    expect(check.stdout.toString('latin1')).toMatch(/: FAILED\n/);
    const audit = await same(['--audit', 'edited.sha512', 'tree']);
    expect(audit.code).toBe(1);
    expect(audit.stdout.toString('latin1')).toMatch(/^changed: /m);
    expect(audit.stdout.toString('latin1')).toMatch(/^missing: tree\/not-there$/m);
  });

  it('--cache: the cache lives with the caller; a second run reuses every digest and prints the same', async () => {
    // The racy rule re-hashes files changed within 2 s of a cached run's start.
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const local = await threads(['tree']);
    const first = await bullmq(['--stats', '--cache', 'fleet.cache', 'tree']);
    const second = await bullmq(['--stats', '--cache', 'fleet.cache', 'tree']);
    for (const r of [first, second]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.equals(local.stdout)).toBe(true);
    }
    expect(second.stderr).toMatch(/stats: (\d+) files, \d+ bytes, 0 hashed, \1 reused/);
  });

  it('--progress works as locally (shown on stderr, same stdout)', async () => {
    const r = await bullmq(['--progress', 'tree']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/files/);
    expect(r.stdout.equals((await threads(['tree'])).stdout)).toBe(true);
  });

  it('a file or directory unreadable on the workers\' host (they run as nobody) is reported like any unreadable file', async () => {
    const r = await same(['locked']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('digest-tree: locked/secret: Permission denied');
    expect(r.stderr).toContain('digest-tree: locked/closed: Permission denied');
    expect(r.stdout.toString()).toMatch(/ {2}locked\/readable\n$/);
  });
});

describe('no inline hashing on a fleet', () => {
  // A root caller hashing on its own main thread would read tiny/secret; the workers (nobody)
  // cannot. So "Permission denied" is seen only if the fleet did the work. DIGEST_TREE_INLINE_MS
  // asks for a budget far beyond what these two files take: a local run is done inline with it.
  const INLINE = { DIGEST_TREE_INLINE_MS: '10000' };

  it('a two-file tree is listed and hashed by the workers, whatever DIGEST_TREE_INLINE_MS says', async () => {
    const local = await runBin(['tiny'], { cwd: dir, env: INLINE });
    expect(local.code, local.stderr).toBe(0);
    expect(splitLines(local.stdout)).toHaveLength(2);
    const fleet = await bullmq(['tiny'], INLINE);
    expect(fleet.code).toBe(1);
    expect(errLines(fleet)).toEqual(['digest-tree: tiny/secret: Permission denied']);
    expect(fleet.stdout.toString()).toMatch(/^[0-9a-f]{128} {2}tiny\/readable\n$/);
  });

  it('a single file operand is hashed by the workers too (this process only stats it)', async () => {
    const local = await runBin(['tiny/secret'], { cwd: dir, env: INLINE });
    expect(local.code, local.stderr).toBe(0);
    const fleet = await bullmq(['tiny/secret'], INLINE);
    expect(fleet.code).toBe(1);
    expect(errLines(fleet)).toEqual(['digest-tree: tiny/secret: Permission denied']);
    expect(fleet.stdout.length).toBe(0);
  });
});

describe('usage', () => {
  it('names the missing flag and its variable', async () => {
    const noRedis = await runBin(['--backend', 'bullmq', '--queue', 'q', 'tree'], { cwd: dir, env: { MPOOL_REDIS_URL: '' } });
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toContain("--backend bullmq needs the fleet's Redis: --redis URL (or MPOOL_REDIS_URL)");
    const noQueue = await runBin(['--backend', 'bullmq', '--redis', redis.url, 'tree'], { cwd: dir, env: { MPOOL_QUEUE: '' } });
    expect(noQueue.code).toBe(2);
    expect(noQueue.stderr).toContain('--queue NAME (or MPOOL_QUEUE)');
    const notRedis = await runBin(['--backend', 'bullmq', '--redis', 'http://u:pw@h', '--queue', 'q', 'tree'], { cwd: dir });
    expect(notRedis.code).toBe(2);
    expect(notRedis.stderr).toContain('--redis: expected a redis:// or rediss:// URL, got one starting with http:');
    expect(notRedis.stderr).not.toContain('pw');
  });

  it('refuses --redis / --queue / --wait-for-workers without --backend bullmq (the environment variables are ignored)', async () => {
    for (const flag of [['--redis', redis.url], ['--queue', 'q'], ['--wait-for-workers', '3']]) {
      const r = await runBin([...flag, 'tree'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${flag[0]} applies only with --backend bullmq`);
    }
    const env = await runBin(['tree'], { cwd: dir, env: { MPOOL_REDIS_URL: 'redis://127.0.0.1:1', MPOOL_QUEUE: 'q' } });
    expect(env.code).toBe(0);
  });
});

describe('exit', () => {
  it('the process ends as soon as its output is written, although the Redis reply parser keeps a 50 ms interval after big replies', async () => {
    const wide = join(dir, 'wide');
    mkdirSync(wide);
    for (let i = 0; i < 4000; i++) writeFileSync(join(wide, `f${i}`), `file ${i}\n`);
    let lastOutput = 0;
    const r = await runBin([...fleetArgs(), 'wide'], { cwd: dir, onSpawn: (child) => child.stdout!.on('data', () => (lastOutput = performance.now())) });
    const lingered = performance.now() - lastOutput;
    expect(r.code).toBe(0);
    expect(splitLines(r.stdout)).toHaveLength(4000);
    // It lingered 1.35 s before the bin's exit timer (src/bin.ts): the parser's buffer shrinking.
    expect(lingered).toBeLessThan(600);
  });
});

/** CPU time (clock ticks) used so far by the processes whose parent is `pid` (a worker's local pool). */
function childCpuTicks(pid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** Polls `done` every 10 ms; resolves true once it holds, false after `ms`. */
async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe('faults', () => {
  let caches = 0;
  /**
   * Starts a run of the chain tree, waits `ms`, then does `fault`; returns the run's result and
   * its stderr without the cache's first-run warning. With --cache, listings do not descend
   * (fleet.ts), so the chains take ~500 jobs in a row each: the run lasts long enough to be hit.
   */
  async function faultMidRun(args: string[], ms: number, fault: () => Promise<void>): Promise<{ result: RunResult; ranAtFault: boolean; problems: string[] }> {
    let exited = false;
    const cache = `fault-${++caches}.cache`;
    const running = bullmq([...args, '--cache', cache, 'chains']).finally(() => (exited = true));
    await new Promise((resolve) => setTimeout(resolve, ms));
    const ranAtFault = !exited;
    await fault();
    const result = await running;
    const problems = result.stderr.split('\n').filter((line) => line !== '' && line !== `digest-tree: cache ${cache}: No such file or directory; hashing every file`);
    return { result, ranAtFault, problems };
  }

  it('a worker killed (-9) mid-run: its batches re-run on the other one, the output is complete and correct', async () => {
    const expected = await threads(['chains']);
    expect(expected.code).toBe(0);
    const victim = workers[0]!;
    const { result, ranAtFault, problems } = await faultMidRun(['-j', '4'], 400, async () => {
      process.kill(victim.pid, 'SIGKILL');
    });
    expect(ranAtFault, 'the run was still going when the worker was killed').toBe(true);
    expect(problems).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout.equals(expected.stdout)).toBe(true); // no line missing, none twice
    workers[0] = await startOne();
  }, 60_000);

  it('a worker killed (-9) while it hashes, without --cache (listings descend): the output is complete and correct', async () => {
    const expected = await threads(['big']);
    expect(expected.code).toBe(0);
    const victim = workers[0]!;
    const cpu0 = childCpuTicks(victim.pid);
    let exited = false;
    const running = bullmq(['-j', '4', 'big']).finally(() => (exited = true));
    // Killed once its hashing process has used 50 ms of CPU in this run: it holds a job then.
    const hashing = await waitFor(() => childCpuTicks(victim.pid) - cpu0 >= 5 || exited, 20_000);
    const ranAtFault = !exited;
    process.kill(victim.pid, 'SIGKILL');
    const result = await running;
    expect(hashing && ranAtFault, 'the victim was hashing and the run still going when it was killed').toBe(true);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.equals(expected.stdout)).toBe(true); // no line missing, none twice
    workers[0] = await startOne();
  }, 60_000);

  it('Redis restarted mid-run: the run completes with the right output', async () => {
    const expected = await threads(['chains']);
    const { result, ranAtFault, problems } = await faultMidRun(['-j', '4'], 400, () => redis.restart());
    expect(ranAtFault).toBe(true);
    expect(problems).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout.equals(expected.stdout)).toBe(true);
  }, 60_000);

  it('no worker left at all: exit 1 with a clear message within a bounded time, nothing printed on stdout', async () => {
    const started = Date.now();
    const { result, ranAtFault, problems } = await faultMidRun(['-j', '4', '--wait-for-workers', '2'], 400, async () => {
      for (const w of workers) process.kill(w.pid, 'SIGKILL');
    });
    const took = Date.now() - started;
    expect(ranAtFault).toBe(true);
    expect(result.code).toBe(1);
    expect(result.stdout.length).toBe(0);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^digest-tree: no mpool-worker has served queue "digest" .* for \d+ s .*; start each mpool-worker with --root \S+digest-cli/);
    expect(took).toBeLessThan(30_000); // lock 2 s + 2 s + checks: a generous bound, not a speed test
    workers = await startFleet({ url: redis.url, queue: QUEUE, tsx: false, roots: [PACKAGE_ROOT], wrap: NOBODY });
  }, 60_000);

  it('a worker whose --root does not cover digest-cli refuses the task: exit 2, naming the --root to give', async () => {
    const other = await startWorker({ url: redis.url, queue: 'wrong-root', tsx: false, roots: ['/tmp'], wrap: NOBODY });
    try {
      const r = await runBin(['--backend', 'bullmq', '--redis', redis.url, '--queue', 'wrong-root', 'tree'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toContain('mpool-worker refuses task module');
      expect(r.stderr).toContain(`start each mpool-worker with --root ${PACKAGE_ROOT.replace(/\/$/, '')}`);
    } finally {
      await other.stop('SIGKILL');
    }
  }, 30_000);
});
