'use strict';
// The node:crypto backend. Same shape as the generated binding.js (raw
// functions that return failure records instead of throwing), so api.js can
// wrap either one and both raise identical errors. Used when the addon cannot
// load, or when MPOOL_SHA512_NATIVE=0.

const crypto = require('node:crypto');
const fs = require('node:fs');

// O_NONBLOCK: opening a FIFO without a writer must not hang. O_NOCTTY: never
// acquire a terminal. Neither changes how a regular file is read.
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;
const CHUNK = 256 * 1024;
const EISDIR = 21; // Linux errno; the only platform this package targets natively.
const syncBuffer = Buffer.allocUnsafeSlow(CHUNK);

class CancelToken {
  cancelled = false;
  cancel() {
    this.cancelled = true;
  }
}

class Sha512 {
  #hash = crypto.createHash('sha512');
  update(data) {
    this.#hash.update(data);
  }
  updateString(data) {
    this.#hash.update(data, 'utf8');
  }
  digest() {
    return this.#hash.digest();
  }
}

const sha512 = (data) => crypto.createHash('sha512').update(data).digest();
const sha512String = (data) => crypto.createHash('sha512').update(data, 'utf8').digest();

function failure(index, kind, errno = 0, syscall = '', fileType = '') {
  return { index, kind, errno, syscall, fileType };
}

/** Failure record for a non-regular file, or null for a regular one. */
function typeFailure(stats, index) {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return failure(index, 'os', EISDIR, 'read');
  if (stats.isFIFO()) return failure(index, 'notRegular', 0, 'open', 'fifo');
  if (stats.isSocket()) return failure(index, 'notRegular', 0, 'open', 'socket');
  if (stats.isCharacterDevice()) return failure(index, 'notRegular', 0, 'open', 'character device');
  if (stats.isBlockDevice()) return failure(index, 'notRegular', 0, 'open', 'block device');
  return failure(index, 'notRegular', 0, 'open', 'unknown file type');
}

/** Failure record for an fs error; rethrows anything that is not one. */
function errorFailure(err, path, index) {
  if (err.code === 'ERR_INVALID_ARG_VALUE') return failure(index, 'invalidPath', 0, 'open');
  if (typeof err.errno !== 'number') throw err;
  // open(2) on a Unix socket fails with ENXIO; say what it really is.
  if (err.code === 'ENXIO' && fs.statSync(path, { throwIfNoEntry: false })?.isSocket()) {
    return failure(index, 'notRegular', 0, 'open', 'socket');
  }
  return failure(index, 'os', -err.errno, err.syscall);
}

function hashOneSync(path, index, token, deferFrom = Infinity) {
  if (token?.cancelled) return failure(index, 'aborted');
  let fd;
  try {
    fd = fs.openSync(path, OPEN_FLAGS);
    const stats = fs.fstatSync(fd);
    const bad = typeFailure(stats, index);
    if (bad) return bad;
    if (stats.size >= deferFrom) return { index, deferred: stats.size };
    const hash = crypto.createHash('sha512');
    for (let n; (n = fs.readSync(fd, syncBuffer, 0, CHUNK, null)) > 0; ) {
      hash.update(syncBuffer.subarray(0, n));
      if (token?.cancelled) return failure(index, 'aborted');
    }
    return hash.digest();
  } catch (err) {
    return errorFailure(err, path, index);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

async function hashOne(path, index, token) {
  if (token?.cancelled) return failure(index, 'aborted');
  let handle;
  try {
    handle = await fs.promises.open(path, OPEN_FLAGS);
    const bad = typeFailure(await handle.stat(), index);
    if (bad) return bad;
    const hash = crypto.createHash('sha512');
    const buf = Buffer.allocUnsafe(CHUNK); // per call: concurrent calls must not share it
    for (let n; (n = (await handle.read(buf, 0, CHUNK, null)).bytesRead) > 0; ) {
      hash.update(buf.subarray(0, n));
      if (token?.cancelled) return failure(index, 'aborted');
    }
    return hash.digest();
  } catch (err) {
    return errorFailure(err, path, index);
  } finally {
    await handle?.close();
  }
}

/** Packs per-file results into the binding's batch shape. */
function packBatch(results) {
  const digests = Buffer.alloc(results.length * 64);
  const failures = [];
  const deferred = [];
  results.forEach((r, i) => {
    if (Buffer.isBuffer(r)) r.copy(digests, i * 64);
    else if (r.deferred !== undefined) deferred.push({ index: r.index, size: r.deferred });
    else failures.push(r);
  });
  return { digests, failures, deferred };
}

function hashFilesSync(paths, deferFrom) {
  const results = [];
  for (const [i, p] of paths.entries()) {
    results.push(hashOneSync(p, i, undefined, deferFrom ?? Infinity));
  }
  return packBatch(results);
}

async function hashFilesAsync(paths, token) {
  const results = [];
  for (const [i, p] of paths.entries()) {
    if (token?.cancelled) break;
    results.push(await hashOne(p, i, token));
  }
  return packBatch(results);
}

/** The raw backend interface, as binding.d.ts declares it for the addon. */
module.exports = {
  CancelToken,
  Sha512,
  sha512,
  sha512String,
  hashFileSync: (path) => hashOneSync(path, 0),
  hashFile: (path, token) => hashOne(path, 0, token),
  hashFilesSync,
  hashFilesAsync,
};
