// scanDir: one directory listed and its regular files hashed in one native call. Values against
// node:crypto and lstat, every other entry handed back by type, names with any bytes, the
// deferral, the time budget, the --cache matching rule, and failures: unreadable files and
// directories (as nobody: root reads everything), files vanishing while the directory is scanned.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fallback, native, pkgDir } from './backends.js';

const scanDir = native.scanDir!;
let dir: string;
let server: net.Server;
/** Regular files of `dir` by raw name, with their contents. */
const files = new Map<string, Buffer>();
const ODD = Buffer.from([0x6f, 0x64, 0x64, 0x0a, 0x5c, 0xff, 0x2e, 0x62]); // odd\n\\\xff.b

const sha = (data: Buffer) => createHash('sha512').update(data).digest();
/** Path i of a packed list, as raw bytes. */
const at = (bytes: Buffer, ends: Uint32Array, i: number) => bytes.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
const all = (bytes: Buffer, ends: Uint32Array) => Array.from(ends, (_, i) => at(bytes, ends, i));
/** The 40 bytes digest-tree's cache keeps for a file (cache-match.ts metaOf). */
function metaOf(p: string | Buffer): Buffer {
  const st = fs.lstatSync(p, { bigint: true });
  const m = Buffer.alloc(40);
  [st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].forEach((v, k) => m.writeBigUInt64LE(v, 8 * k));
  return m;
}
/** A directory's cache entries (cache-format.ts): name length, name, metadata, digest. */
function entriesOf(d: string, names: Buffer[], digestOf: (name: Buffer) => Buffer): Uint8Array {
  return Buffer.concat(
    names.map((name) => {
      const head = Buffer.alloc(2);
      head.writeUInt16LE(name.length);
      return Buffer.concat([head, name, metaOf(Buffer.concat([Buffer.from(`${d}/`), name])), digestOf(name)]);
    }),
  );
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sha512-scandir-'));
  fs.chmodSync(dir, 0o755);
  const sizes: Array<[string | Buffer, number]> = [['b-empty', 0], ['a-one', 1], ['c-block', 128], ['d-4k', 4096], ['e-big', 262_145], [ODD, 77]];
  for (const [name, size] of sizes) {
    const data = randomBytes(size);
    const raw = Buffer.isBuffer(name) ? name : Buffer.from(name);
    fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), raw]), data);
    files.set(raw.toString('latin1'), data);
  }
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.symlinkSync('a-one', path.join(dir, 'link'));
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path.join(dir, 'sock'), resolve));
});

afterAll(() => {
  server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('scanDir', () => {
  it('hashes every regular file, names in byte order with the prefix, digests as node:crypto', () => {
    const r = scanDir(dir, Buffer.from('p/'));
    expect(r.error).toBeUndefined();
    const names = [...files.keys()].map((n) => Buffer.from(n, 'latin1')).sort(Buffer.compare);
    expect(all(r.paths, r.ends)).toEqual(names.map((n) => Buffer.concat([Buffer.from('p/'), n])));
    expect(r.started).toBe(names.length);
    expect(r.failures).toEqual([]);
    names.forEach((n, i) => expect(r.digests.subarray(64 * i, 64 * i + 64)).toEqual(sha(files.get(n.toString('latin1'))!)));
    expect(r.bytes).toBe([...files.values()].reduce((s, b) => s + b.length, 0));
  });

  it('a size-0 file is read where sizes can be wrong (procfs): /proc/sys/kernel/ostype has its content\'s digest', () => {
    // On ext4, tmpfs, ... a file of size 0 is hashed without a read (src/open.rs); procfs reports
    // size 0 for files that have content, so there every file is still read to EOF. (Not
    // /proc/self: its pagemap reads on for hundreds of GiB.)
    const r = scanDir('/proc/sys/kernel', Buffer.alloc(0));
    const names = all(r.paths, r.ends).map((b) => b.toString());
    const i = names.indexOf('ostype');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(i).toBeLessThan(r.started);
    expect(fs.statSync('/proc/sys/kernel/ostype').size).toBe(0);
    expect(r.failures.find((f) => f.index === i)).toBeUndefined();
    expect(r.digests.subarray(64 * i, 64 * i + 64)).toEqual(sha(fs.readFileSync('/proc/sys/kernel/ostype')));
    // The empty file of the test folder (ext4 or tmpfs here) has the empty message's digest.
    const here = scanDir(dir, Buffer.alloc(0));
    const e = all(here.paths, here.ends).findIndex((b) => b.toString() === 'b-empty');
    expect(here.digests.subarray(64 * e, 64 * e + 64)).toEqual(sha(Buffer.alloc(0)));
  });

  it('hands back every other entry by name and d_type, never opening it (the FIFO would block)', () => {
    const r = scanDir(dir, Buffer.alloc(0));
    const others = all(r.others, r.otherEnds).map((b, i) => [b.toString(), r.otherTypes[i]]);
    expect(others).toEqual([['fifo', 1], ['link', 10], ['sock', 12], ['sub', 4]]);
  });

  it('defers files of deferFrom bytes or more (sized, not read), and starts nothing past the budget', () => {
    const deferred = scanDir(dir, Buffer.alloc(0), { deferFrom: 4096 });
    const names = all(deferred.paths, deferred.ends).map((b) => b.toString('latin1'));
    expect(deferred.deferred).toEqual([names.indexOf('d-4k'), names.indexOf('e-big')].sort().map((index) => ({ index, size: files.get(names[index]!)!.length })));
    for (const { index } of deferred.deferred) expect(deferred.digests.subarray(64 * index, 64 * index + 64)).toEqual(Buffer.alloc(64));
    const none = scanDir(dir, Buffer.alloc(0), { budgetMs: 0, sizes: true });
    expect(none.started).toBe(0);
    expect(none.digests.length).toBe(0);
    expect(Array.from(none.restSizes)).toEqual(names.map((n) => files.get(n)!.length));
  });

  it('a directory that cannot be listed is an error like readdirSync\'s; bad arguments are TypeErrors', () => {
    const r = scanDir(path.join(dir, 'missing'), Buffer.alloc(0));
    expect(r.error).toMatchObject({ code: 'ENOENT', syscall: 'scandir' });
    expect(scanDir(path.join(dir, 'a-one'), Buffer.alloc(0)).error).toMatchObject({ code: 'ENOTDIR' });
    expect(() => scanDir(dir, 'p/' as unknown as Buffer)).toThrow(TypeError);
    expect(() => scanDir(dir, Buffer.alloc(0), { budgetMs: -1 })).toThrow(/budgetMs/);
    expect(() => scanDir(dir, Buffer.alloc(0), { cache: { entries: null, cutoffNs: 1 as unknown as bigint } })).toThrow(/cache/);
  });

  it('is null under the node:crypto fallback (callers list with node:fs there)', () => {
    expect(fallback.scanDir).toBeNull();
  });
});

describe('scanDir as nobody (permissions)', () => {
  // Root reads everything: the child runs as uid 65534 and prints what scanDir gave.
  const asNobody = (target: string) => {
    const script = `const n = require(${JSON.stringify(path.join(pkgDir, 'index.js'))});
      const r = n.scanDir(${JSON.stringify(target)}, Buffer.alloc(0));
      console.log(JSON.stringify({ error: r.error && r.error.code, started: r.started, failures: r.failures,
        names: r.error ? [] : Array.from(r.ends, (e, i) => r.paths.subarray(i ? r.ends[i - 1] : 0, e).toString()) }));`;
    const out = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    return JSON.parse(out.stdout);
  };

  it('an unreadable file fails alone (EACCES), the others are hashed; an unreadable directory is EACCES', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sha512-perm-'));
    fs.chmodSync(d, 0o755);
    fs.writeFileSync(path.join(d, 'a'), 'a');
    fs.writeFileSync(path.join(d, 'secret'), 's', { mode: 0o600 });
    fs.mkdirSync(path.join(d, 'closed'), { mode: 0o700 });
    try {
      const r = asNobody(d);
      expect(r.names).toEqual(['a', 'secret']);
      expect(r.failures).toEqual([{ index: 1, code: 'EACCES', message: expect.stringContaining("open 'secret'") }]);
      expect(asNobody(path.join(d, 'closed')).error).toBe('EACCES');
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('scanDir --cache', () => {
  it('returns each file\'s lstat metadata and reuses a digest only when it matches and is not racy', () => {
    const plain = scanDir(dir, Buffer.alloc(0), { cache: { entries: null, cutoffNs: 1n } });
    const names = all(plain.paths, plain.ends);
    names.forEach((n, i) => expect(plain.meta.subarray(40 * i, 40 * i + 40)).toEqual(metaOf(Buffer.concat([Buffer.from(`${dir}/`), n]))));
    expect(plain.reused).toBe(0);
    // Entries whose digests are not the files' (0x11...): a reused file shows the entry's.
    const fake = Buffer.alloc(64, 0x11);
    const entries = entriesOf(dir, names, () => fake);
    const later = BigInt(Date.now() + 60_000) * 1_000_000n;
    const reused = scanDir(dir, Buffer.alloc(0), { cache: { entries, cutoffNs: later } });
    expect(reused.reused).toBe(names.length);
    for (let i = 0; i < names.length; i++) expect(reused.digests.subarray(64 * i, 64 * i + 64)).toEqual(fake);
    // Racy: the files' times are not older than the cutoff, so every file is read again.
    const racy = scanDir(dir, Buffer.alloc(0), { cache: { entries, cutoffNs: 1n } });
    expect(racy.reused).toBe(0);
    expect(racy.digests.subarray(0, 64)).toEqual(sha(files.get(names[0]!.toString('latin1'))!));
  });

  it('a file whose metadata changed is hashed again; reused files come first', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sha512-cache-'));
    try {
      for (const n of ['x', 'y', 'z']) fs.writeFileSync(path.join(d, n), n);
      const names = ['x', 'y', 'z'].map((n) => Buffer.from(n));
      const entries = entriesOf(d, names, (n) => sha(n));
      fs.writeFileSync(path.join(d, 'x'), 'changed'); // size and times differ now
      const later = BigInt(Date.now() + 60_000) * 1_000_000n;
      const r = scanDir(d, Buffer.alloc(0), { cache: { entries, cutoffNs: later } });
      expect(all(r.paths, r.ends).map(String)).toEqual(['y', 'z', 'x']);
      expect(r.reused).toBe(2);
      expect(r.digests.subarray(128, 192)).toEqual(sha(Buffer.from('changed')));
      expect(r.meta.subarray(80, 120)).toEqual(metaOf(path.join(d, 'x')));
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('scanDir while files vanish', () => {
  it('a file removed after the listing fails with ENOENT (open, or lstat under --cache); never a wrong digest', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sha512-vanish-'));
    const names = Array.from({ length: 64 }, (_, i) => `f${String(i).padStart(2, '0')}`);
    for (const n of names) fs.writeFileSync(path.join(d, n), n);
    // A thread removes and re-creates the files while this one scans the directory.
    const churn = new Worker(
      `const fs = require('fs'); const { workerData: { d, names } } = require('worker_threads');
       for (;;) for (const n of names) { try { fs.unlinkSync(d + '/' + n); } catch {} fs.writeFileSync(d + '/' + n, n); }`,
      { eval: true, workerData: { d, names } },
    );
    const seen = { hashed: 0, vanished: 0 };
    try {
      for (let round = 0; round < 300; round++) {
        const cache = round % 2 === 1 ? { entries: null, cutoffNs: 1n } : undefined;
        const r = scanDir(d, Buffer.alloc(0), { cache });
        const failed = new Map(r.failures.map((f) => [f.index, f]));
        for (let i = 0; i < r.started; i++) {
          const name = at(r.paths, r.ends, i).toString();
          const failure = failed.get(i);
          if (failure) {
            expect(failure.code).toBe('ENOENT');
            seen.vanished++;
          } else {
            // Re-created empty before it is written: an empty file, or the whole name.
            const digest = r.digests.subarray(64 * i, 64 * i + 64);
            expect([sha(Buffer.from(name)), sha(Buffer.alloc(0))]).toContainEqual(Buffer.from(digest));
            seen.hashed++;
          }
        }
      }
    } finally {
      await churn.terminate();
      fs.rmSync(d, { recursive: true, force: true });
    }
    expect(seen.hashed).toBeGreaterThan(0);
  });
});
