// Helpers for tests of the cold-cache path: files whose pages are dropped from the page cache.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { pkgDir } from './backends.js';

/**
 * A new temporary folder on a file system whose cached pages can be dropped: the system's temp
 * folder unless it is memory-backed (tmpfs pages cannot be dropped), else one in this package.
 */
export function coldDir(prefix: string): string {
  const type = spawnSync('stat', ['-f', '-c', '%T', os.tmpdir()], { encoding: 'utf8' }).stdout.trim();
  const base = type === 'tmpfs' || type === 'ramfs' ? path.join(pkgDir, 'test') : os.tmpdir();
  return fs.mkdtempSync(path.join(base, `.${prefix}`));
}

/** Writes `data` to `file` and makes sure it reached the disk (only clean pages can be dropped). */
export function writeSynced(file: string, data: Uint8Array): void {
  fs.writeFileSync(file, data);
  const fd = fs.openSync(file, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

/** Drops the files' pages from the page cache (posix_fadvise DONTNEED, through GNU dd). */
export function evict(files: string[]): void {
  for (const f of files) {
    const dd = spawnSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none'], { encoding: 'utf8' });
    expect(dd.status, `dd iflag=nocache on ${f}: ${dd.stderr}`).toBe(0);
  }
}
