/**
 * The native directory scan (dir-scan.ts, sha512-native scanDir) against the listDir + hashBatch
 * path it replaces (the `node` hasher still takes that path): one `list` item must give the same
 * files, digests, failures, issues, subdirectories, big files and cache metadata either way.
 */
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as native from '@mpool/sha512-native';
import { afterAll, describe, expect, it } from 'vitest';
import { DIGEST_BYTES } from '../src/batch.js';
import { META_BYTES } from '../src/cache-format.js';
import { pathAt, pathCount, type PathList } from '../src/paths.js';
import { scan, type ScanResult } from '../src/scan.js';
import type { WalkContext } from '../src/walk.js';
import { bytes, cleanTempDirs, tempDir, writeTree } from './helpers.js';

afterAll(cleanTempDirs);

const MiB = 1 << 20;
const paths = (list: PathList) => Array.from({ length: pathCount(list) }, (_, i) => pathAt(list, i));

/** What an item gave, in an order-free form. */
function summary(r: ScanResult) {
  const failed = new Map(r.hashed.failures.map((f) => [f.index, f]));
  const digests = paths(r.hashed.paths).map((p, i) => {
    const f = failed.get(i);
    return `${p} ${f ? `${f.code} ${f.message}` : Buffer.from(r.hashed.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES)).toString('hex')}`;
  });
  return {
    digests: digests.sort(),
    issues: r.issues.map((i) => `${i.path} ${i.severity} ${i.code} ${i.message}`).sort(),
    dirs: r.dirs.map((d) => d.path).sort(),
    sized: r.sized.paths.map((p, i) => `${p} ${r.sized.sizes[i]}`).sort(),
    bytes: r.hashed.bytes,
    loose: r.loose.flatMap(paths).sort(),
  };
}

/** A tree with odd names, special files, symlinks, a subdirectory and a big file. */
function oddTree(): string {
  const root = join(tempDir(), 'tree');
  writeTree(root, [
    ['a.txt', 'a'],
    ['empty', ''],
    [Buffer.from('new\nline'), 'n'],
    [Buffer.from('back\\slash'), 'b'],
    [Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe]), 'not utf-8'],
    ['big.bin', bytes(2 * MiB, 3)],
    ['sub/inner', 'i'],
  ]);
  execFileSync('mkfifo', [join(root, 'fifo')]);
  symlinkSync('a.txt', join(root, 'link-to-file'));
  symlinkSync('sub', join(root, 'link-to-dir'));
  symlinkSync('missing', join(root, 'dangling'));
  return root;
}

const ctx = (over: Partial<WalkContext> = {}): WalkContext => ({ follow: false, exclude: [], sizes: true, ...over });
const item = (root: string) => [{ path: root, relStart: root.length + 1 }];

describe('native directory scan', () => {
  it('is what the native hasher lists with (the addon is built for these tests)', () => {
    expect(native.scanDir).toBeTypeOf('function');
  });

  it.each([false, true])('gives what listDir + hashBatch give (follow %s)', (follow) => {
    const root = oddTree();
    const fast = summary(scan(item(root), ctx({ follow }), 'native'));
    expect(fast).toEqual(summary(scan(item(root), ctx({ follow }), 'node')));
    expect(fast.sized).toEqual([`${root}/big.bin ${2 * MiB}`]);
    expect(fast.issues).toEqual([`${root}/fifo note ESPECIAL not a regular file (fifo), skipped`]);
    // -L: the link to a file is hashed (by the JS side), the link to a directory is listed.
    expect(fast.digests.some((d) => d.startsWith(`${root}/link-to-file `))).toBe(follow);
    expect(fast.dirs).toEqual(follow ? [`${root}/link-to-dir`, `${root}/sub`] : [`${root}/sub`]);
  });

  it('hands everything back within a budget of 0, with the bytes of each group', () => {
    const root = join(tempDir(), 'tree');
    const files = Array.from({ length: 300 }, (_, i) => [`f${i}`, bytes(i * 7, i + 1)] as [string, Buffer]);
    writeTree(root, files);
    const r = scan(item(root), ctx(), 'native', 0);
    expect(pathCount(r.hashed.paths)).toBe(0);
    expect(r.loose.flatMap(paths).sort()).toEqual(files.map(([n]) => `${root}/${n}`).sort());
    expect(r.looseBytes.reduce((a, b) => a + b, 0)).toBe(files.reduce((s, [, d]) => s + d.length, 0));
  });

  it('a directory that vanished is one issue, as from readdirSync', () => {
    const root = join(tempDir(), 'gone');
    expect(summary(scan(item(root), ctx(), 'native')).issues).toEqual([`${root} error ENOENT No such file or directory`]);
  });

  it('--cache: the same metadata as the listDir path, and reuse of the entries it would write', () => {
    const root = oddTree();
    const cache = { cutoffNs: BigInt(Date.now() + 60_000) * 1_000_000n };
    const fast = scan(item(root), ctx({ cache }), 'native', 1000, [null]);
    const slow = scan(item(root), ctx({ cache }), 'node', 1000, [null]);
    const metaByPath = (r: ScanResult) => {
      const out = new Map<string, string>();
      paths(r.hashed.paths).forEach((p, i) => out.set(p, Buffer.from(r.meta!.hashed.subarray(i * META_BYTES, (i + 1) * META_BYTES)).toString('hex')));
      paths(r.meta!.handed.paths).forEach((p, i) => out.set(p, Buffer.from(r.meta!.handed.meta.subarray(i * META_BYTES, (i + 1) * META_BYTES)).toString('hex')));
      return out;
    };
    expect(metaByPath(fast)).toEqual(metaByPath(slow));
    expect(fast.reused).toBe(0);
    // The entries the next cache would hold for this directory (cache-format.ts), then a re-run.
    const entries = Buffer.concat(
      paths(fast.hashed.paths).flatMap((p, i) => {
        if (fast.hashed.failures.some((f) => f.index === i)) return [];
        const name = Buffer.from(p.slice(root.length + 1), 'latin1');
        const head = Buffer.alloc(2);
        head.writeUInt16LE(name.length);
        const meta = fast.meta!.hashed.subarray(i * META_BYTES, (i + 1) * META_BYTES);
        return [head, name, meta, fast.hashed.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES)];
      }),
    );
    const again = scan(item(root), ctx({ cache }), 'native', 1000, [new Uint8Array(entries)]);
    expect(again.reused).toBe(pathCount(fast.hashed.paths) - fast.hashed.failures.length);
    expect(summary(again).digests).toEqual(summary(fast).digests);
  });
});
