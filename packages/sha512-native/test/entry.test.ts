// The package entry points (CJS and ESM), backend selection and its env
// override, panic containment, and that async hashing leaves the JS thread free.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { native, pkgDir, require } from './backends.js';

const ABC = createHash('sha512').update('abc').digest('hex');

/** Runs an ESM snippet against the package's ESM entry in a fresh Node process. */
function runEsm(code: string, env: Record<string, string | undefined>) {
  const script = `import * as m from ${JSON.stringify(path.join(pkgDir, 'index.mjs'))};\n${code}`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout);
}

const PROBE = `
const f = ${JSON.stringify(path.join(pkgDir, 'package.json'))};
console.log(JSON.stringify({ isNative: m.isNative, abc: m.sha512('abc', 'hex'),
  file: m.hashFileSync(f).toString('hex'), code: m.hashFiles(['/nonexistent'])[0].error.code,
  asyncFile: (await m.hashFile(f)).toString('hex'), defaultIsSame: m.default.sha512 === m.sha512,
  names: Object.keys(m).sort(), cjsNames: Object.keys(m.default).sort(), scanDir: m.scanDir === null ? null : typeof m.scanDir,
  writeDigestLines: m.writeDigestLines === null ? null : typeof m.writeDigestLines }));`;
const NAMES = ['Sha512', 'cacheCold', 'hashFile', 'hashFileSync', 'hashFiles', 'hashFilesAsync', 'hashFilesPacked', 'isNative',
  'nativeLoadError', 'readAhead', 'readAheadStats', 'scanDir', 'sha512', 'writeDigestLines'];

describe('entry points', () => {
  const pkgHex = createHash('sha512').update(fs.readFileSync(path.join(pkgDir, 'package.json'))).digest('hex');
  const expected = { abc: ABC, file: pkgHex, asyncFile: pkgHex, code: 'ENOENT', defaultIsSame: true,
    names: [...NAMES, 'default'].sort(), cjsNames: NAMES };

  it('the CommonJS entry uses the native addon unless MPOOL_SHA512_NATIVE=0', () => {
    const api = require('../index.js');
    expect(api.isNative).toBe(process.env.MPOOL_SHA512_NATIVE !== '0');
    expect(api.sha512('abc', 'hex')).toBe(ABC);
    if (api.isNative) expect(api.nativeLoadError).toBeNull();
  });

  it('the ESM entry loads the native addon by default', () => {
    expect(runEsm(PROBE, { MPOOL_SHA512_NATIVE: undefined })).toEqual({ ...expected, isNative: true, scanDir: 'function', writeDigestLines: 'function' });
  });

  it('MPOOL_SHA512_NATIVE=0 forces the node:crypto fallback with the same results', () => {
    expect(runEsm(PROBE, { MPOOL_SHA512_NATIVE: '0' })).toEqual({ ...expected, isNative: false, scanDir: null, writeDigestLines: null });
  });

  it('every file named by package.json exports/main/types exists', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    const targets = [pkg.main, pkg.module, pkg.types, ...JSON.stringify(pkg.exports).match(/\.\/[^"]+/g)!];
    expect(targets.length).toBeGreaterThan(5);
    for (const t of targets) expect(fs.existsSync(path.join(pkgDir, t)), t).toBe(true);
    const node = fs.readdirSync(pkgDir).filter((f) => f.endsWith('.node'));
    expect(node).toEqual(['sha512-native.linux-x64-gnu.node']);
  });
});

describe('panic containment', () => {
  it('a Rust panic becomes a JS error and the addon keeps working', () => {
    const binding = require('../binding.js');
    expect(() => binding.panicForTests()).toThrow(/internal panic: deliberate panic for tests/);
    expect(native.sha512('abc', 'hex')).toBe(ABC);
  });
});

describe('off the JS thread', () => {
  const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sha512-big-')), 'big');
  const data = randomBytes(48 << 20);
  fs.writeFileSync(big, data);
  const hex = createHash('sha512').update(data).digest('hex');
  afterAll(() => fs.rmSync(path.dirname(big), { recursive: true, force: true }));

  it('native hashFile leaves the event loop idle while it hashes', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const before = performance.eventLoopUtilization();
    const digest = await native.hashFile(big);
    const elu = performance.eventLoopUtilization(before);
    clearInterval(timer);
    expect(digest.toString('hex')).toBe(hex);
    // ~50 ms of hashing happened elsewhere: timers kept firing, the loop mostly waited.
    expect(ticks).toBeGreaterThan(3);
    expect(elu.utilization).toBeLessThan(0.5);
  });

  it('native hashFilesAsync also runs on the pool', async () => {
    const before = performance.eventLoopUtilization();
    const [r] = await native.hashFilesAsync([big], { encoding: 'hex' });
    expect(r).toEqual({ path: big, digest: hex });
    expect(performance.eventLoopUtilization(before).utilization).toBeLessThan(0.5);
  });
});
