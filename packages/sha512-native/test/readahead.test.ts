// The cold-cache path (src/probe.rs, src/prefetch.rs): a batch's first read of each file tells
// whether it was cached; once one was not, the files that follow are read ahead on the shared
// threads. Each case runs in a child process (fixtures/readahead-child.cjs), so that it starts
// with fresh counters and its own MPOOL_SHA512_READAHEAD.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgDir } from './backends.js';
import { coldDir, evict, writeSynced } from './cold.js';

interface Stats {
  threads: number;
  uncached: number;
  queued: number;
  subtree: number;
  done: number;
}
interface Hashed {
  digests: string[];
  codes: Array<string | null>;
}
interface ChildOut extends Hashed {
  coldAfterHash: boolean;
  aheadQueued: boolean | null;
  stats: Stats;
  coldAfterAhead: boolean;
  again: Hashed | null;
  statsAfter: Stats;
  raThreads: number;
}
interface Job {
  hash?: string[];
  ahead?: string[];
  subtree?: boolean;
  settleMs?: number;
  remove?: string[];
  again?: string[];
}

const CHILD = path.join(pkgDir, 'test/fixtures/readahead-child.cjs');
const isRoot = process.getuid?.() === 0;

function runChild(job: Job, env: Record<string, string | undefined> = {}, asNobody = false): ChildOut {
  const args = [CHILD, pkgDir, JSON.stringify(job)];
  // Root ignores file permissions: the unreadable-file case runs the child as nobody.
  const [cmd, argv] = asNobody && isRoot
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, MPOOL_SHA512_READAHEAD: undefined, ...env } });
  expect(child.signal, child.stderr).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as ChildOut;
}

let dir: string;
const files: string[] = [];
const expected: string[] = [];

beforeAll(() => {
  dir = coldDir('sha512-readahead-');
  fs.chmodSync(dir, 0o755); // the nobody case lists and opens files here
  // Two folders, sizes from empty to past the four-lane buffer and past 1 MiB.
  const sizes = [0, 1, 100, 4095, 4096, 65_536, 131_072, 131_073, 300_000, 1_500_000];
  for (let i = 0; i < 48; i++) {
    const sub = path.join(dir, `d${i % 2}`);
    fs.mkdirSync(sub, { recursive: true, mode: 0o755 });
    const file = path.join(sub, `f${i}.bin`);
    const data = randomBytes(sizes[i % sizes.length]!);
    writeSynced(file, data);
    files.push(file);
    expected.push(createHash('sha512').update(data).digest('hex'));
  }
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('cold page cache', () => {
  it('files not in the page cache: found uncached, the rest of the batch read ahead, every digest right', () => {
    evict(files);
    const out = runChild({ hash: files });
    expect(out.digests).toEqual(expected);
    expect(out.codes.every((c) => c === null)).toBe(true);
    expect(out.coldAfterHash).toBe(true);
    expect(out.stats.threads).toBe(8);
    expect(out.stats.uncached).toBeGreaterThan(0);
    // Once the first file was found uncached, the next ones of the batch were handed over.
    expect(out.stats.queued).toBeGreaterThan(0);
    expect(out.stats.queued).toBeLessThanOrEqual(files.length);
    expect(out.stats.done).toBe(out.stats.queued);
    expect(out.raThreads).toBe(8);
  });

  it('MPOOL_SHA512_READAHEAD=0: plain reads, no probe, nothing read ahead, the same digests', () => {
    evict(files);
    const out = runChild({ hash: files, ahead: files }, { MPOOL_SHA512_READAHEAD: '0' });
    expect(out.digests).toEqual(expected);
    expect(out.coldAfterHash).toBe(false);
    expect(out.aheadQueued).toBe(false);
    expect(out.stats).toEqual({ threads: 0, uncached: 0, queued: 0, subtree: 0, done: 0 });
    expect(out.raThreads).toBe(0);
  });

  it('MPOOL_SHA512_READAHEAD=2 sets the thread count; a value that is not a number keeps the default', () => {
    evict(files.slice(0, 4));
    const two = runChild({ hash: files.slice(0, 4), ahead: files }, { MPOOL_SHA512_READAHEAD: '2' });
    expect(two.stats.threads).toBe(2);
    expect(two.raThreads).toBe(2);
    expect(runChild({}, { MPOOL_SHA512_READAHEAD: 'on' }).stats.threads).toBe(8);
  });

  it('a warm cache: no file counts as uncached, readAhead does nothing, no thread starts', () => {
    runChild({ hash: files }); // reads everything into the page cache
    const out = runChild({ hash: files, ahead: files });
    expect(out.digests).toEqual(expected);
    expect(out.coldAfterHash).toBe(false);
    expect(out.aheadQueued).toBe(false);
    expect(out.stats).toEqual({ threads: 8, uncached: 0, queued: 0, subtree: 0, done: 0 });
    expect(out.raThreads).toBe(0);
  });

  it('read-ahead of missing, vanishing, special and unreadable paths never blocks or fails; hashing them still reports each error', () => {
    // Two files: a batch of one is hashed on the one-file path, which does not probe.
    const seeds = [files[7]!, files[8]!];
    evict(seeds);
    const missing = path.join(dir, 'missing.bin');
    const fifo = path.join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const unreadable = path.join(dir, 'unreadable.bin');
    fs.writeFileSync(unreadable, 'secret');
    fs.chmodSync(unreadable, 0o000);
    // Deleted by the child, which may run as nobody: a folder anyone can write to.
    fs.mkdirSync(path.join(dir, 'vanish'), { mode: 0o777 });
    fs.chmodSync(path.join(dir, 'vanish'), 0o777);
    const gone = path.join(dir, 'vanish', 'gone.bin');
    fs.writeFileSync(gone, 'soon deleted');
    const good = files[9]!;
    const paths = [missing, path.join(dir, 'd0'), fifo, '/dev/null', unreadable, gone, good];
    // A FIFO with no writer would block a plain open forever: the test's timeout catches that.
    const out = runChild({ hash: seeds, ahead: paths, remove: [gone], again: paths }, {}, true);
    expect(out.digests).toEqual([expected[7], expected[8]]);
    expect(out.coldAfterHash).toBe(true);
    expect(out.aheadQueued).toBe(true);
    expect(out.stats.queued).toBe(paths.length);
    expect(out.stats.done).toBe(out.stats.queued);
    expect(out.again!.codes).toEqual(['ENOENT', 'EISDIR', 'ERR_NOT_REGULAR_FILE', 'ERR_NOT_REGULAR_FILE', 'EACCES', 'ENOENT', null]);
    expect(out.again!.digests[6]).toBe(expected[9]);
  });

  describe('subtrees (readAhead(dirs, { subtree: true }))', () => {
    // A tree of its own: nest/ with files and nest/sub/ with more, all evicted before each case.
    let nest: string;
    const nested: string[] = [];
    const nestedDigests: string[] = [];
    beforeAll(() => {
      nest = path.join(dir, 'nest');
      fs.mkdirSync(path.join(nest, 'sub'), { recursive: true });
      for (let i = 0; i < 24; i++) {
        const file = path.join(nest, i % 3 === 0 ? 'sub' : '', `n${i}.bin`);
        const data = randomBytes(1_000 + i * 5_000);
        writeSynced(file, data);
        nested.push(file);
        nestedDigests.push(createHash('sha512').update(data).digest('hex'));
      }
    });
    // Another evicted file, hashed first: what puts the child in cold mode.
    const seeds = () => [files[20]!, files[21]!];
    /**
     * Evicts `targets` and the seeds, then runs the child; again (up to 5 times) if hashing the
     * seeds did not find the cache cold. On a virtual disk the host caches, a read can be served
     * before the RWF_NOWAIT probe looks (probe.rs), about one run in 15 here: that is the
     * precondition failing, not the read-ahead.
     */
    const runCold = (targets: string[], job: Job, env: Record<string, string | undefined> = {}, asNobody = false): ChildOut => {
      let out: ChildOut;
      let tries = 0;
      do {
        evict([...seeds(), ...targets]);
        out = runChild({ hash: seeds(), ...job }, env, asNobody);
      } while (!out.coldAfterHash && ++tries < 5);
      expect(out.coldAfterHash).toBe(true);
      return out;
    };

    it('every file and directory below is found and read ahead: hashing them then finds none uncached', () => {
      const out = runCold(nested, { ahead: [nest], subtree: true, settleMs: 1000, again: nested });
      expect(out.aheadQueued).toBe(true);
      // nest itself (queued by the caller), then its 16 files, sub/, and sub's 8 files.
      expect(out.stats.subtree).toBe(nested.length + 1);
      expect(out.stats.queued).toBe(out.stats.subtree + 1);
      expect(out.stats.done).toBe(out.stats.queued);
      expect(out.again!.digests).toEqual(nestedDigests);
      expect(out.statsAfter.uncached - out.stats.uncached).toBe(0);
    });

    it('without the option only the directory itself is read; with a window of 0 nothing found below it is read ahead', () => {
      const flat = runCold(nested, { ahead: [nest], settleMs: 200, again: nested });
      expect(flat.stats.subtree).toBe(0);
      expect(flat.stats.queued).toBe(1);
      expect(flat.statsAfter.uncached - flat.stats.uncached).toBeGreaterThan(0);

      const none = runCold(nested, { ahead: [nest], subtree: true, settleMs: 200, again: nested }, { MPOOL_SHA512_READAHEAD_WINDOW: '0' });
      // nest is listed (its files and sub/ found), and all of those wait for room, then are
      // dropped once the cache stopped looking cold: sub/ is never listed, nothing is left.
      expect(none.stats.subtree).toBe(nested.filter((f) => path.dirname(f) === nest).length + 1);
      expect(none.stats.done).toBe(none.stats.queued);
      expect(none.again!.digests).toEqual(nestedDigests);
      expect(none.statsAfter.uncached - none.stats.uncached).toBeGreaterThan(0);
    });

    it('cold mode ends once the read-ahead finds the files ahead cached (a few evicted files do not slow a warm run)', () => {
      // 200 warm files: the threads probe one in 16, and 8 cached probes in a row end cold mode
      // at once (probe.rs, WARM_STREAK), not a second after the last miss; evicted, they keep it.
      const many = path.join(dir, 'many');
      fs.mkdirSync(many, { mode: 0o755 });
      const listed = Array.from({ length: 200 }, (_, i) => path.join(many, `m${i}.bin`));
      listed.forEach((f, i) => writeSynced(f, Buffer.from(`file ${i}\n`)));
      runChild({ hash: listed }); // reads them all into the page cache
      const warmFiles = runCold([], { ahead: listed });
      expect(warmFiles.stats.done).toBe(warmFiles.stats.queued);
      expect(warmFiles.coldAfterAhead).toBe(false);
      const warmTree = runCold([], { ahead: [many], subtree: true });
      expect(warmTree.stats.subtree).toBe(listed.length);
      expect(warmTree.coldAfterAhead).toBe(false);
      const evicted = runCold(listed, { ahead: listed });
      expect(evicted.stats.done).toBe(evicted.stats.queued);
      expect(evicted.coldAfterAhead).toBe(true);
    });

    it('special entries are never opened, symlinks never followed, an unreadable folder is skipped: nothing hangs or fails', () => {
      const odd = path.join(dir, 'odd');
      fs.mkdirSync(odd, { mode: 0o755 });
      fs.chmodSync(odd, 0o755);
      spawnSync('mkfifo', [path.join(odd, 'fifo')]); // opened without O_NONBLOCK, it would block
      fs.symlinkSync('..', path.join(odd, 'up')); // a loop if followed
      fs.symlinkSync('/dev/zero', path.join(odd, 'zero')); // endless if read
      fs.mkdirSync(path.join(odd, 'secret'), { mode: 0o700 }); // root's: the child runs as nobody
      fs.writeFileSync(path.join(odd, 'secret', 'hidden.bin'), 'x');
      const ok = path.join(odd, 'ok.bin');
      writeSynced(ok, randomBytes(10_000));
      const out = runCold([ok], { ahead: [odd], subtree: true, settleMs: 200, again: [ok] }, {}, true);
      expect(out.aheadQueued).toBe(true);
      // Found: ok.bin and secret/ (which cannot be listed as nobody, so nothing below it).
      expect(out.stats.subtree).toBe(isRoot ? 2 : 3);
      expect(out.stats.done).toBe(out.stats.queued);
      expect(out.again!.codes).toEqual([null]);
    });

    it('a subtree option that is not a boolean is a TypeError', () => {
      const child = spawnSync(process.execPath, ['-e', `
        const { createApi } = require(${JSON.stringify(`${pkgDir}/api.js`)});
        const native = createApi(require(${JSON.stringify(`${pkgDir}/binding.js`)}), true);
        try { native.readAhead([], { subtree: 'yes' }); console.log('no error'); } catch (e) { console.log(e.code, e.message); }
      `], { encoding: 'utf8' });
      expect(child.stdout.trim()).toBe('ERR_INVALID_ARG_TYPE options.subtree must be a boolean');
    });
  });
});
