/** Pure pieces: path encodings, checksum lines, batching and scheduling, the audit comparison. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashBatch } from '../src/hasher.js';
import { compareStores } from '../src/audit-compare.js';
import { DigestStore } from '../src/store.js';
import { writeLineBlocks } from '../src/format/blocks.js';
import { MemoryOutput } from '../src/output.js';
import { writeDigestLines } from '@mpool/sha512-native';
import { bsdLine, gnuLine, parseLine } from '../src/format/lines.js';
import { fsdecode, fsencode, isUtf8BytePath, joinBytePath, packPaths } from '../src/paths.js';
import { Batcher, GROUP_MAX, Scheduler, type Batch } from '../src/plan.js';
import type { WorkItem } from '../src/tasks.js';
import { bytes } from './helpers.js';

const HEX = 'ab'.repeat(64);

describe('surrogateescape', () => {
  it('round-trips any bytes', () => {
    for (let seed = 1; seed < 200; seed++) {
      const raw = bytes(1 + (seed % 40), seed);
      expect(fsencode(fsdecode(raw))).toEqual(raw);
    }
  });

  it('decodes valid UTF-8 as usual and each bad byte to U+DC80..U+DCFF', () => {
    expect(fsdecode(Buffer.from('héllo'))).toBe('héllo');
    expect(fsdecode(Buffer.from([0x61, 0xff, 0xc3]))).toBe('a\udcff\udcc3');
    expect(fsdecode(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\udced\udca0\udc80'); // an encoded surrogate is not UTF-8
    expect(fsdecode(Buffer.from([0xe0, 0x80, 0x80]))).toBe('\udce0\udc80\udc80'); // overlong
  });

  it('refuses lone surrogates that escape no byte', () => {
    expect(() => fsencode('\ud800')).toThrow(TypeError);
    expect(fsencode('😀')).toEqual(Buffer.from('😀'));
  });

  it('joins like find prints, and tells UTF-8 names apart', () => {
    expect(joinBytePath('.', 'a')).toBe('./a');
    expect(joinBytePath('dir/', 'a')).toBe('dir/a');
    expect(isUtf8BytePath('caf\xc3\xa9')).toBe(true);
    expect(isUtf8BytePath('caf\xe9')).toBe(false);
  });
});

describe('checksum lines', () => {
  it('escape backslash, newline and carriage return like coreutils', () => {
    expect(gnuLine('plain', HEX)).toBe(`${HEX}  plain\n`);
    expect(gnuLine('a\\b\nc\rd', HEX)).toBe(`\\${HEX}  a\\\\b\\nc\\rd\n`);
    expect(bsdLine('a\nb', HEX)).toBe(`\\SHA512 (a\\nb) = ${HEX}\n`);
  });

  it('parse both formats back, escapes and binary marker included', () => {
    for (const name of ['plain', 'sp ace', 'a\\b\nc\rd', '-dash', 'x\xff)(y', ' (paren) = odd']) {
      expect(parseLine(gnuLine(name, HEX).slice(0, -1))).toEqual({ path: name, hex: HEX });
      expect(parseLine(bsdLine(name, HEX).slice(0, -1))).toEqual({ path: name, hex: HEX });
    }
    expect(parseLine(`${HEX} *bin`)).toEqual({ path: 'bin', hex: HEX });
    expect(parseLine(`${HEX.toUpperCase()}  up`)).toEqual({ path: 'up', hex: HEX });
  });

  it('reject malformed lines', () => {
    for (const line of ['', 'junk', `${HEX.slice(2)}  short`, `${HEX} x`, `${HEX}  `, `\\${HEX}  bad\\q`, `SHA256 (x) = ${HEX}`]) {
      expect(parseLine(line), JSON.stringify(line)).toBeNull();
    }
  });
});

describe('Batcher', () => {
  const limits = { batchCost: 1000, perFileCost: 100, maxFiles: 4 };

  it('closes a batch by cost or by count, sends big files alone', () => {
    const out: Batch[] = [];
    const b = new Batcher(limits, (batch) => out.push(batch));
    b.add('big', 5000);
    b.add('a', 400);
    b.add('b', 400); // cost 1000: closes
    for (const n of ['c', 'd', 'e', 'f']) b.add(n, 0); // four files: closes
    b.add('g', 0);
    expect(out.map((x) => x.paths)).toEqual([['big'], ['a', 'b'], ['c', 'd', 'e', 'f']]);
    expect(b.pending).toBe(1);
    b.flush();
    expect(out.at(-1)).toMatchObject({ paths: ['g'], bytes: 0, cost: 100 });
  });
});

describe('Scheduler', () => {
  const ctx = { follow: false, exclude: [], sizes: false };

  async function take(s: Scheduler, n: number): Promise<WorkItem[]> {
    const it = s[Symbol.asyncIterator]();
    const items: WorkItem[] = [];
    for (let i = 0; i < n; i++) items.push((await it.next()).value as WorkItem);
    return items;
  }

  it('lists directories first, then the costliest batches first', async () => {
    const s = new Scheduler({ workers: 2, hasher: 'node', ctx, limits: { batchCost: 1000, perFileCost: 0, maxFiles: 100 } });
    s.addFiles(['small1', 'huge', 'mid'], [10, 50_000, 5_000]);
    s.addDirs([{ path: 'd', relStart: 2 }]);
    const items = await take(s, 3);
    expect(items[0]).toMatchObject({ kind: 'list', dirs: [{ path: 'd' }] });
    expect(items[1]).toMatchObject({ kind: 'hash', paths: ['huge'] });
    expect(items[2]).toMatchObject({ kind: 'hash', paths: ['mid'] });
    expect(s.walking).toBe(true);
  });

  it('groups big files by size, up to four per task, enough groups for every worker', async () => {
    const limits = { batchCost: 1000, perFileCost: 0, maxFiles: 100, groupFrom: 1000 };
    const s = new Scheduler({ workers: 2, hasher: 'node', ctx, limits });
    const names = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'small'];
    s.addFiles(names, [1001, 8000, 3000, 7000, 2000, 6000, 5000, 4000, 10]);
    const items = await take(s, 3);
    expect(items.map((i) => (i as { paths: string[] }).paths)).toEqual([['b2', 'b4', 'b6', 'b7'], ['b8', 'b3', 'b5', 'b1'], ['small']]);
    const three = new Scheduler({ workers: 2, hasher: 'node', ctx, limits });
    three.addFiles(['x', 'y', 'z', 'huge'], [3000, 2000, 1000, GROUP_MAX]);
    const groups = await take(three, 3);
    expect(groups.map((i) => (i as { paths: string[] }).paths)).toEqual([['huge'], ['x', 'y'], ['z']]);
  });

  it('while directories are being listed, hands out one group of the biggest files at a time', async () => {
    const limits = { batchCost: 1000, perFileCost: 0, maxFiles: 100, groupFrom: 1000 };
    const s = new Scheduler({ workers: 2, hasher: 'node', ctx, limits });
    s.addDirs([{ path: 'd', relStart: 2 }]);
    s.addFiles(['a', 'b', 'c', 'd', 'e', 'f'], [1000, 6000, 2000, 5000, 3000, 4000]);
    const [list, group] = await take(s, 2);
    expect(list).toMatchObject({ kind: 'list' });
    expect(group).toMatchObject({ kind: 'hash', paths: ['b', 'd', 'f', 'e'] });
    // The two smallest wait: the listing may still find files of their size to pair them with.
    s.addFiles(['g'], [1500]);
    s.done(list!.id);
    const [rest] = await take(s, 1);
    expect(rest).toMatchObject({ kind: 'hash', paths: ['c', 'g'] });
  });

  it('sends a partial batch only when workers would wait, and ends when all is done', async () => {
    const s = new Scheduler({ workers: 1, hasher: 'node', ctx });
    s.addFiles(['a', 'b'], [1, 1]);
    const it = s[Symbol.asyncIterator]();
    const first = (await it.next()).value as WorkItem;
    expect(first).toMatchObject({ kind: 'hash', paths: ['a', 'b'] });
    const end = it.next();
    expect(s.done(first.id)).toMatchObject({ paths: ['a', 'b'], bytes: 2 });
    expect(await end).toEqual({ done: true, value: undefined });
  });
});

describe('audit comparison', () => {
  const store = (entries: Array<[string, string]>) => {
    const s = new DigestStore();
    for (const [path, digit] of entries) s.addHex(path, digit.repeat(128));
    return s;
  };
  const all = () => true;

  it('finds changed, missing, moved and new files; pairs moves deterministically', () => {
    const before = store([['same', '1'], ['edit', '2'], ['gone', '3'], ['mv-b', '4'], ['mv-a', '4']]);
    const now = store([['same', '1'], ['edit', '9'], ['z-new', '4'], ['fresh', '5']]);
    expect(compareStores(before, now, all)).toEqual({ changed: ['edit'], missing: ['gone', 'mv-b'], moved: [['mv-a', 'z-new']], added: ['fresh'], unchanged: 1 });
  });

  it('leaves out-of-scope manifest paths (unreadable, excluded) out, and counts a path listed twice once', () => {
    const report = compareStores(store([['locked/f', '1'], ['secret', '2'], ['kept', '3'], ['kept', '3']]), store([['kept', '3']]), (key) => !['locked/f', 'secret'].includes(key));
    expect(report).toEqual({ changed: [], missing: [], moved: [], added: [], unchanged: 1 });
  });
});

describe('DigestStore', () => {
  it('sorts bytewise (prefixes first, bytes above 0x7f last), keeps equal paths in insertion order, and survives chunk ends', () => {
    const s = new DigestStore();
    const long = `${'x/'.repeat(600_000)}end`; // longer than an arena chunk (1 MiB): a chunk of its own
    const paths = ['b', 'a/b', 'a', 'a-c', '\xe9t\xe9', long, 'a/b', `${long}2`, 'z'];
    paths.forEach((p, i) => s.addHex(p, (i % 10).toString().repeat(128)));
    const order = [...s.sorted()];
    const sorted = [...paths.keys()].sort((x, y) => Buffer.compare(Buffer.from(paths[x]!, 'latin1'), Buffer.from(paths[y]!, 'latin1')) || x - y);
    expect(order).toEqual(sorted);
    expect(order.map((i) => s.path(i))).toEqual(sorted.map((i) => paths[i]));
    expect(s.hex(5)).toBe('5'.repeat(128));
  });

  it('sorts a large random set like a bytewise comparison does', () => {
    const s = new DigestStore();
    const paths: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const raw = bytes(1 + (i % 23), i + 1);
      const p = raw.toString('latin1').replace(/\//g, 'a');
      paths.push(i % 7 === 0 ? `common/prefix/${p}` : p);
      s.addHex(paths[i]!, HEX);
    }
    const expected = [...paths].sort((x, y) => Buffer.compare(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1')));
    expect([...s.sorted()].map((i) => s.path(i))).toEqual(expected);
  });

  it('sorts nested trees like a bytewise comparison of whole paths: files between subdirectories, dirs without files, repeats', () => {
    // Components from a small alphabet around '/' (0x2f): '-' and '.' sort before it, '0' after,
    // so a file `a.b` or `a-` comes before the files under `a/`, and `a0` after them.
    const parts = ['a', 'a.b', 'a-', 'a0', 'b', '\xe9', '', 'aa'];
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 8) % n;
    for (let round = 0; round < 20; round++) {
      const s = new DigestStore();
      const paths: string[] = [];
      for (let i = 0; i < 300; i++) {
        const depth = next(5);
        const dirs = Array.from({ length: depth }, () => parts[next(parts.length)] || 'c');
        const name = parts[next(parts.length)] || 'n';
        const path = (next(4) === 0 ? '/' : '') + [...dirs, name].join('/');
        paths.push(i > 0 && next(10) === 0 ? paths[next(i)]! : path);
        s.addHex(paths[i]!, HEX);
      }
      const expected = [...paths.keys()].sort((x, y) => Buffer.compare(Buffer.from(paths[x]!, 'latin1'), Buffer.from(paths[y]!, 'latin1')) || x - y);
      expect([...s.sorted()]).toEqual(expected);
    }
  });
});

describe('DigestStore.addPackedRange', () => {
  it('keeps every path and digest of ranges that start mid-list and cross the 16,384-digest chunk end', () => {
    const s = new DigestStore();
    const expected: Array<[string, string]> = [];
    // Lists of 5,000 paths, in ranges of the sizes below: the fourth list crosses the chunk end
    // (digest 16,384), some ranges start past 0 (a failure was left out before them), paths
    // change directory inside a range, and some have no directory at all.
    for (let list = 0; list < 5; list++) {
      const paths = Array.from({ length: 5000 }, (_, i) => (i % 1000 === 999 ? `top${list}-${i}` : `d${list}/${Math.floor(i / 700)}/f${i}`));
      const packed = packPaths(paths);
      const digests = Buffer.alloc(paths.length * 64);
      for (let i = 0; i < digests.length; i++) digests[i] = (i * 31 + list) & 0xff;
      for (const [from, to] of [[0, 1], [2, 2], [3, 2500], [2501, 5000]] as const) {
        s.addPackedRange(packed, from, to, digests);
        for (let i = from; i < to; i++) expected.push([paths[i]!, digests.toString('hex', i * 64, i * 64 + 64)]);
      }
    }
    expect(s.size).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(16_384);
    for (let i = 0; i < expected.length; i++) {
      if (s.path(i) !== expected[i]![0] || s.hex(i) !== expected[i]![1]) expect([i, s.path(i), s.hex(i)]).toEqual([i, ...expected[i]!]);
    }
  });
});

describe('writeLineBlocks: native writer and JS loop', () => {
  it.each(['gnu', 'bsd'] as const)('%s: the same bytes, with paths to escape, a line longer than a block, and more than 16,384 entries', (format) => {
    expect(writeDigestLines).not.toBeNull(); // the addon is built in this repository: this test needs it
    const s = new DigestStore();
    const long = `${'deep/'.repeat(250_000)}end`; // 1.25 MB: longer than the native writer's 1 MiB block
    const names = ['plain', 'back\\slash', 'new\nline', 'carriage\rreturn', '\xe9t\xe9', long, 'sp ace'];
    for (let i = 0; i < 20_000; i++) {
      const name = i % 997 === 0 ? names[(i / 997) % names.length]! : `f${i}`;
      s.addHex(`${i % 3 === 0 ? 'top' : `dir${i % 40}/sub${i % 7}`}/${name}`, createHash('sha512').update(String(i)).digest('hex'));
    }
    const order = s.sorted();
    const js = new MemoryOutput();
    writeLineBlocks(s, order, format, js, null);
    const nat = new MemoryOutput();
    writeLineBlocks(s, order, format, nat);
    const expected = [...order].map((i) => (format === 'gnu' ? gnuLine(s.path(i), s.hex(i)) : bsdLine(s.path(i), s.hex(i)))).join('');
    expect(js.bytes().equals(Buffer.from(expected, 'latin1'))).toBe(true);
    expect(nat.bytes().equals(js.bytes())).toBe(true);
  });

  it('throws on a layout whose indices are out of range, writing nothing', () => {
    const s = new DigestStore();
    s.addHex('a/b', HEX);
    const out = Buffer.alloc(1024);
    expect(() => writeDigestLines!(new Uint32Array([5]), 0, s.layout(), false, out)).toThrow(/out of range/);
    expect(writeDigestLines!(new Uint32Array([0]), 0, s.layout(), false, out)).toEqual({ next: 1, written: 128 + 2 + 3 + 1, byJs: false });
  });
});

describe('hashBatch (worker side)', () => {
  it.each(['native', 'node'] as const)('%s: reports ENOENT, EISDIR and special files per file, never blocks on a FIFO', async (hasher) => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/digest-hash-`);
    writeFileSync(`${dir}/ok`, 'ok');
    execFileSync('mkfifo', [`${dir}/fifo`]);
    const result = hashBatch([`${dir}/ok`, `${dir}/missing`, dir, `${dir}/fifo`, Buffer.from(`${dir}/ok`)], hasher);
    expect(result.failures.map((f) => [f.index, f.code])).toEqual([
      [1, 'ENOENT'],
      [2, 'EISDIR'],
      [3, 'ERR_NOT_REGULAR_FILE'],
    ]);
    const ok = createHash('sha512').update('ok').digest();
    expect(Buffer.from(result.digests.subarray(0, 64))).toEqual(ok);
    expect(Buffer.from(result.digests.subarray(256, 320))).toEqual(ok);
    execFileSync('rm', ['-rf', dir]);
  });
});
