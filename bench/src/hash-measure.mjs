// Child process of the hashing section: sha512-native vs node:crypto, one thread.
// `node hash-measure.mjs '<json {runs, blockMiB, fileDir, bigFile}>'` prints one JSON line.
import { createHash, randomFillSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { importWorkspace, NotBuilt } from './workspace.mjs';

const MiB = 1 << 20;
const cfg = JSON.parse(process.argv[2] ?? '{}');
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const hex = (d) => (typeof d === 'string' ? d : Buffer.from(d).toString('hex'));

let native;
try {
  native = await importWorkspace('@mpool/sha512-native', 'packages/sha512-native');
} catch (err) {
  if (!(err instanceof NotBuilt)) throw err;
  out({ skipped: err.message });
  process.exit(0);
}

const block = randomFillSync(Buffer.alloc(MiB));
const paths = [];
for (const d of readdirSync(cfg.fileDir).sort()) for (const f of readdirSync(join(cfg.fileDir, d)).sort()) paths.push(join(cfg.fileDir, d, f));

// correctness first: the figures mean nothing if the digests differ
const want = createHash('sha512').update(block).digest('hex');
const checks = {
  sha512: hex(native.sha512(block)) === want,
  hashFileSync: hex(native.hashFileSync(paths[0])) === createHash('sha512').update(readFileSync(paths[0])).digest('hex'),
};

const blocks = cfg.blockMiB ?? 256;
const mbps = (fn) => {
  const t0 = performance.now();
  for (let i = 0; i < blocks; i++) fn(block);
  return (blocks * MiB) / 1e6 / ((performance.now() - t0) / 1000);
};
const filesPerSec = async (fn) => {
  const t0 = performance.now();
  const n = await fn();
  if (n !== paths.length) throw new Error(`hashed ${n} of ${paths.length} files`);
  return paths.length / ((performance.now() - t0) / 1000);
};

const methods = {
  'block.nodeCrypto': () => mbps((b) => createHash('sha512').update(b).digest()),
  'block.native': () => mbps((b) => native.sha512(b)),
  'files.readFileSyncCreateHash': () =>
    filesPerSec(() => {
      for (const p of paths) createHash('sha512').update(readFileSync(p)).digest();
      return paths.length;
    }),
  'files.hashFileSync': () =>
    filesPerSec(() => {
      for (const p of paths) native.hashFileSync(p);
      return paths.length;
    }),
  'files.hashFiles': () => filesPerSec(() => native.hashFiles(paths).filter((r) => r.digest).length),
  'files.hashFilesAsync': () =>
    filesPerSec(async () => (native.hashFilesAsync ? (await native.hashFilesAsync(paths)).filter((r) => r.digest).length : NaN)),
  'files.hashFileAll': () => filesPerSec(async () => (await Promise.all(paths.map((p) => native.hashFile(p)))).length),
};
if (cfg.bigFile) {
  const size = readFileSync(cfg.bigFile).length;
  methods['bigfile.readFileSyncCreateHash'] = () => {
    const t0 = performance.now();
    createHash('sha512').update(readFileSync(cfg.bigFile)).digest();
    return size / 1e6 / ((performance.now() - t0) / 1000);
  };
  methods['bigfile.hashFileSync'] = () => {
    const t0 = performance.now();
    native.hashFileSync(cfg.bigFile);
    return size / 1e6 / ((performance.now() - t0) / 1000);
  };
}

const results = Object.fromEntries(Object.keys(methods).map((k) => [k, []]));
const errors = {};
for (const [k, fn] of Object.entries(methods)) {
  try {
    await fn(); // warm-up (JIT, page cache)
  } catch (err) {
    errors[k] = String(err?.message ?? err);
  }
}
for (let r = 0; r < (cfg.runs ?? 5); r++) {
  for (const [k, fn] of Object.entries(methods)) {
    if (errors[k]) continue;
    try {
      results[k].push(await fn());
    } catch (err) {
      errors[k] = String(err?.message ?? err);
    }
  }
}
out({ isNative: native.isNative, nativeLoadError: native.nativeLoadError ? String(native.nativeLoadError) : null, checks, files: paths.length, blockMiB: blocks, results, errors });
