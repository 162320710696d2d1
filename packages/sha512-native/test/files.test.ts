// Whole-file hashing: parity with node:crypto on real files, batches, and
// every refusal (FIFO, socket, device, directory, missing, NUL byte), with
// Buffer paths that are not valid UTF-8, for both backends.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, pkgDir } from './backends.js';

const SIZES = [0, 1, 4096, 262_143, 262_144, 262_145, (1 << 20) + 3];
let dir: string;
const files: Array<{ path: string; hex: string }> = [];
const fx = { fifo: '', socket: '', dir: '', missing: '', weird: Buffer.alloc(0), weirdHex: '' };
let server: net.Server;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sha512-native-'));
  for (const size of SIZES) {
    const data = randomBytes(size);
    const p = path.join(dir, `f${size}`);
    fs.writeFileSync(p, data);
    files.push({ path: p, hex: createHash('sha512').update(data).digest('hex') });
  }
  fx.fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fx.fifo]);
  fx.socket = path.join(dir, 'sock');
  server = net.createServer();
  await new Promise<void>((resolve) => server.listen(fx.socket, resolve));
  fx.dir = path.join(dir, 'subdir');
  fs.mkdirSync(fx.dir);
  fx.missing = path.join(dir, 'missing');
  // A name that is not valid UTF-8: only reachable through a Buffer path.
  fx.weird = Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe, 0x80])]);
  fs.writeFileSync(fx.weird, 'non-utf8 name');
  fx.weirdHex = createHash('sha512').update('non-utf8 name').digest('hex');
});

afterAll(() => {
  server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(backends)('%s backend', (name, api) => {
  it('hashFileSync and hashFile match node:crypto for sizes around chunk boundaries', async () => {
    for (const f of files) {
      expect(api.hashFileSync(f.path).toString('hex')).toBe(f.hex);
      expect((await api.hashFile(f.path)).toString('hex')).toBe(f.hex);
    }
  });

  it('accepts a file: URL', async () => {
    const url = new URL(`file://${files[2]!.path}`);
    expect(api.hashFileSync(url).toString('hex')).toBe(files[2]!.hex);
  });

  it('hashes a file whose name is not valid UTF-8, given as a Buffer', async () => {
    expect(fs.readdirSync(dir, { encoding: 'buffer' }).some((n) => n.includes(0xff))).toBe(true);
    expect(api.hashFileSync(fx.weird).toString('hex')).toBe(fx.weirdHex);
    expect((await api.hashFile(fx.weird)).toString('hex')).toBe(fx.weirdHex);
  });

  // [label, path getter, code, fileType]. The FIFO is checked in a child
  // process below: if its open ever blocked, an in-process sync call would
  // hang the test runner instead of failing.
  const refusals: Array<[string, () => string | Buffer, string, string?]> = [
    ['a socket', () => fx.socket, 'ERR_NOT_REGULAR_FILE', 'socket'],
    ['a character device', () => '/dev/null', 'ERR_NOT_REGULAR_FILE', 'character device'],
    ['a directory', () => fx.dir, 'EISDIR'],
    ['a missing file', () => fx.missing, 'ENOENT'],
    ['a missing non-UTF-8 Buffer path', () => Buffer.concat([fx.weird, Buffer.from([0xc0])]), 'ENOENT'],
    ['a path with a NUL byte', () => `${dir}/a\0b`, 'ERR_INVALID_ARG_VALUE'],
  ];

  describe.each(refusals)('refuses %s', (_label, getPath, code, fileType) => {
    const check = (err: unknown, p: string | Buffer) => {
      expect(err).toBeInstanceOf(Error);
      expect(err).toMatchObject({ code });
      expect((err as { path: unknown }).path).toBe(p); // the path exactly as given
      if (fileType) expect(err).toMatchObject({ fileType, syscall: 'open' });
      if (code.startsWith('E')) expect((err as Error).message).toMatch(new RegExp(`^${code}: .+ '.+'$`));
    };

    it('hashFileSync throws', () => {
      const p = getPath();
      let thrown: unknown;
      try {
        api.hashFileSync(p);
      } catch (err) {
        thrown = err;
      }
      check(thrown, p);
    });

    it('hashFile rejects', async () => {
      const p = getPath();
      check(await api.hashFile(p).catch((err: unknown) => err), p);
    }, 20_000);

    it('hashFiles and hashFilesAsync report it in the batch without failing the rest', async () => {
      const p = getPath();
      const batch = [files[1]!.path, p, files[2]!.path];
      for (const results of [api.hashFiles(batch), await api.hashFilesAsync(batch)]) {
        expect(results).toHaveLength(3);
        expect(results[0]).toEqual({ path: files[1]!.path, digest: Buffer.from(files[1]!.hex, 'hex') });
        expect(results[1]!.path).toBe(p);
        expect(results[1]).toMatchObject({ error: { code, message: expect.any(String) } });
        expect(results[2]).toEqual({ path: files[2]!.path, digest: Buffer.from(files[2]!.hex, 'hex') });
      }
    }, 20_000);
  });

  it('refuses a FIFO with no writer without blocking, in all four APIs (child process, 15 s cap)', () => {
    const child = spawnSync(process.execPath, [path.join(pkgDir, 'test/fixtures/fifo-child.cjs'), name, fx.fifo], {
      timeout: 15_000,
      encoding: 'utf8',
    });
    expect(child.error).toBeUndefined();
    const code = 'ERR_NOT_REGULAR_FILE';
    expect(JSON.parse(child.stdout)).toEqual({ sync: `${code}/fifo`, batch: code, async: code, asyncBatch: code });
  }, 20_000);

  it('hashFiles keeps input order, returns paths as given (same objects) and independent digests', async () => {
    const batch: Array<string | Buffer> = [...files.map((f) => f.path), fx.weird, fx.missing];
    const wants = [...files.map((f) => f.hex), fx.weirdHex];
    for (const results of [api.hashFiles(batch), await api.hashFilesAsync(batch)]) {
      results.forEach((r, i) => expect(r.path).toBe(batch[i]));
      for (const [i, hex] of wants.entries()) {
        const r = results[i]!;
        if (!('digest' in r)) throw new Error(`entry ${i} failed: ${JSON.stringify(r)}`);
        expect(r.digest.toString('hex')).toBe(hex);
        // Own memory, so posting one digest to another thread copies 64 bytes, not the batch.
        expect(r.digest.buffer.byteLength).toBe(64);
      }
      expect(results.at(-1)).toMatchObject({ error: { code: 'ENOENT' } });
    }
    const hex = api.hashFiles(batch.slice(0, 2), { encoding: 'hex' });
    expect(hex.map((r) => ('digest' in r ? r.digest : r.error.code))).toEqual(wants.slice(0, 2));
    const b64 = await api.hashFilesAsync([files[0]!.path], { encoding: 'base64' });
    expect(b64).toEqual([{ path: files[0]!.path, digest: Buffer.from(files[0]!.hex, 'hex').toString('base64') }]);
  });

  it('hashFilesPacked packs digests in order, zeros for failures, in transferable memory', () => {
    const batch = [files[0]!.path, fx.missing, fx.weird];
    const { digests, failures } = api.hashFilesPacked(batch);
    expect(digests.length).toBe(192);
    expect(digests.buffer.byteLength).toBe(192);
    expect(digests.subarray(0, 64).toString('hex')).toBe(files[0]!.hex);
    expect(digests.subarray(64, 128).every((b) => b === 0)).toBe(true);
    expect(digests.subarray(128).toString('hex')).toBe(fx.weirdHex);
    expect(failures).toEqual([{ index: 1, code: 'ENOENT', message: `ENOENT: no such file or directory, open '${fx.missing}'` }]);
    expect(api.hashFilesPacked([])).toEqual({ digests: Buffer.alloc(0), failures: [], deferred: [] });
  });

  it('hashFilesPacked with deferFrom lists big regular files with their sizes instead of hashing them', () => {
    const big = files.find((f) => f.path.endsWith(`f${262_144}`))!;
    const small = files.find((f) => f.path.endsWith('f4096'))!;
    for (const batch of [[small.path, big.path, fx.missing, fx.fifo, fx.dir], [big.path]]) {
      const { digests, failures, deferred } = api.hashFilesPacked(batch, { deferFrom: 262_144 });
      const at = batch.indexOf(big.path);
      expect(deferred).toEqual([{ index: at, size: 262_144 }]);
      expect(digests.subarray(at * 64, at * 64 + 64).every((b) => b === 0)).toBe(true);
      if (batch.length > 1) {
        expect(digests.subarray(0, 64).toString('hex')).toBe(small.hex);
        // Refusals still win: a FIFO or directory is never "deferred", whatever its size.
        expect(failures.map((f) => f.code)).toEqual(['ENOENT', 'ERR_NOT_REGULAR_FILE', 'EISDIR']);
      }
    }
    expect(api.hashFilesPacked([big.path], { deferFrom: 262_145 }).deferred).toEqual([]);
    expect(() => api.hashFilesPacked([big.path], { deferFrom: -1 })).toThrow(TypeError);
  });

  it('hashFiles handles an empty batch and rejects non-array / non-path input', async () => {
    expect(api.hashFiles([])).toEqual([]);
    expect(await api.hashFilesAsync([])).toEqual([]);
    expect(() => api.hashFiles('x' as unknown as string[])).toThrow(TypeError);
    expect(() => api.hashFiles([42 as unknown as string])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    await expect(api.hashFile(42 as unknown as string)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('an aborted signal rejects hashFile and hashFilesAsync with AbortError', async () => {
    const aborted = AbortSignal.abort();
    const abortError = { name: 'AbortError', code: 'ABORT_ERR' };
    await expect(api.hashFile(files[3]!.path, { signal: aborted })).rejects.toMatchObject(abortError);
    const ac = new AbortController();
    const pending = api.hashFilesAsync(Array(200).fill(files[6]!.path), { signal: ac.signal });
    ac.abort();
    await expect(pending).rejects.toMatchObject(abortError);
    // A signal that never fires changes nothing.
    const live = new AbortController().signal;
    expect((await api.hashFile(files[2]!.path, { signal: live })).toString('hex')).toBe(files[2]!.hex);
  });
});
