'use strict';
// The public API, built over a backend: the native binding (binding.js) or
// the node:crypto one (fallback.js). Argument checks, encodings, errors and
// AbortSignal handling live here once, so both backends behave identically.

const { getSystemErrorMap } = require('node:util');
const { fileURLToPath } = require('node:url');

let systemErrors; // errno -> [code, message], as libuv names them for fs errors
function describeErrno(errno) {
  systemErrors ??= getSystemErrorMap();
  return systemErrors.get(-errno) ?? [`E${errno}`, 'unknown system error'];
}

function typeError(code, message) {
  return Object.assign(new TypeError(message), { code });
}

function abortError(signal) {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  return Object.assign(err, { name: 'AbortError', code: 'ABORT_ERR' });
}

/** Bytes to hand to a backend: Uint8Arrays as they are, other views re-viewed. */
function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw typeError('ERR_INVALID_ARG_TYPE', 'data must be a string, Buffer, TypedArray or DataView');
}

function toPath(path) {
  if (typeof path === 'string' || path instanceof Uint8Array) return path;
  if (path instanceof URL) return fileURLToPath(path);
  throw typeError('ERR_INVALID_ARG_TYPE', 'path must be a string, Buffer, Uint8Array or file: URL');
}

function encode(digest, encoding) {
  if (encoding === undefined || encoding === 'buffer') return digest;
  if (!Buffer.isEncoding(encoding)) throw typeError('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
  return digest.toString(encoding);
}

/** Builds the Error for a backend failure record; `path` is reported as given. */
function toError(f, path) {
  const shown = typeof path === 'string' ? path : Buffer.from(toPath(path)).toString();
  if (f.kind === 'os') {
    const [code, text] = describeErrno(f.errno);
    const err = new Error(`${code}: ${text}, ${f.syscall} '${shown}'`);
    return Object.assign(err, { errno: -f.errno, code, syscall: f.syscall, path });
  }
  if (f.kind === 'notRegular') {
    const err = new Error(`ERR_NOT_REGULAR_FILE: not a regular file (${f.fileType}), open '${shown}'`);
    return Object.assign(err, { code: 'ERR_NOT_REGULAR_FILE', fileType: f.fileType, syscall: 'open', path });
  }
  const err = typeError('ERR_INVALID_ARG_VALUE', `ERR_INVALID_ARG_VALUE: path must not contain null bytes, open '${shown}'`);
  return Object.assign(err, { path });
}

const isDigest = (out) => out instanceof Uint8Array;

/**
 * Builds the public API (see index.d.ts for each function's contract and
 * errors) over `backend`: the binding.js exports or fallback.js.
 */
function createApi(backend, isNative) {
  const finalized = () => Object.assign(new Error('Digest already called'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });

  class Sha512 {
    #state = new backend.Sha512();
    #done = false;
    update(data) {
      if (this.#done) throw finalized();
      if (typeof data === 'string') this.#state.updateString(data);
      else this.#state.update(toBytes(data));
      return this;
    }
    digest(encoding) {
      if (this.#done) throw finalized();
      this.#done = true;
      return encode(this.#state.digest(), encoding);
    }
  }

  function sha512(data, encoding) {
    const digest = typeof data === 'string' ? backend.sha512String(data) : backend.sha512(toBytes(data));
    return encode(digest, encoding);
  }

  function hashFileSync(path) {
    const out = backend.hashFileSync(toPath(path));
    if (isDigest(out)) return out;
    throw toError(out, path);
  }

  /** Runs `start(token)` with a cancel token tied to `signal`; AbortError wins. */
  async function withSignal(signal, start) {
    if (signal?.aborted) throw abortError(signal);
    const token = signal ? new backend.CancelToken() : undefined;
    const onAbort = () => token.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const out = await start(token);
      if (signal?.aborted) throw abortError(signal);
      return out;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function hashFile(path, options = {}) {
    const p = toPath(path);
    const out = await withSignal(options.signal, (token) => backend.hashFile(p, token));
    if (isDigest(out)) return out;
    throw toError(out, path);
  }

  function toResults(paths, batch, encoding) {
    const results = new Array(paths.length);
    for (const f of batch.failures) {
      const err = toError(f, paths[f.index]);
      results[f.index] = { path: paths[f.index], error: { code: err.code, message: err.message } };
    }
    for (let i = 0; i < paths.length; i++) {
      if (results[i]) continue;
      // Copy each digest into its own memory: a view into the batch buffer
      // would drag the whole buffer along when posted to another thread.
      const digest = encoding === undefined ? Buffer.allocUnsafeSlow(64) : undefined;
      if (digest) batch.digests.copy(digest, 0, i * 64, i * 64 + 64);
      results[i] = { path: paths[i], digest: digest ?? batch.digests.toString(encoding, i * 64, i * 64 + 64) };
    }
    return results;
  }

  function checkBatch(paths, options) {
    if (!Array.isArray(paths)) throw typeError('ERR_INVALID_ARG_TYPE', 'paths must be an array');
    if (options.encoding !== undefined) encode(Buffer.alloc(0), options.encoding);
    return paths.map(toPath);
  }

  function hashFiles(paths, options = {}) {
    const raw = checkBatch(paths, options);
    return toResults(paths, backend.hashFilesSync(raw), options.encoding);
  }

  function hashFilesPacked(paths, options = {}) {
    const raw = checkBatch(paths, {});
    const { deferFrom } = options;
    if (deferFrom !== undefined && !(typeof deferFrom === 'number' && deferFrom >= 0)) {
      throw typeError('ERR_INVALID_ARG_TYPE', 'deferFrom must be a number >= 0');
    }
    const batch = backend.hashFilesSync(raw, deferFrom);
    // Copied into plain unpooled memory, so it can be transferred to another thread.
    const digests = Buffer.allocUnsafeSlow(raw.length * 64);
    batch.digests.copy(digests);
    const failures = batch.failures.map((f) => {
      const err = toError(f, paths[f.index]);
      return { index: f.index, code: err.code, message: err.message };
    });
    return { digests, failures, deferred: batch.deferred };
  }

  async function hashFilesAsync(paths, options = {}) {
    const raw = checkBatch(paths, options);
    const batch = await withSignal(options.signal, (token) => backend.hashFilesAsync(raw, token));
    return toResults(paths, batch, options.encoding);
  }

  /**
   * One directory listed and its regular files hashed in one native call (dirscan.rs); null
   * without the addon (callers list and hash with node:fs then). Failures become
   * { index, code, message } as in hashFilesPacked; a directory that cannot be listed gives
   * `error` ({ code, message, syscall } like a failed readdirSync) and nothing else.
   */
  function scanDir(dir, prefix, options = {}) {
    const p = toPath(dir);
    if (!(prefix instanceof Uint8Array)) throw typeError('ERR_INVALID_ARG_TYPE', 'prefix must be a Buffer or Uint8Array');
    const { deferFrom, budgetMs, sizes, cache } = options;
    if (deferFrom !== undefined && !(typeof deferFrom === 'number' && deferFrom >= 0)) {
      throw typeError('ERR_INVALID_ARG_TYPE', 'deferFrom must be a number >= 0');
    }
    if (budgetMs !== undefined && !(typeof budgetMs === 'number' && budgetMs >= 0)) {
      throw typeError('ERR_INVALID_ARG_TYPE', 'budgetMs must be a number >= 0');
    }
    if (cache !== undefined && !(typeof cache === 'object' && cache !== null && typeof cache.cutoffNs === 'bigint' && (cache.entries === null || cache.entries instanceof Uint8Array))) {
      throw typeError('ERR_INVALID_ARG_TYPE', 'cache must be { entries: Uint8Array | null, cutoffNs: bigint }');
    }
    const native = { deferFrom, budgetMs, sizes: sizes === true };
    if (cache) Object.assign(native, { stat: true, cached: cache.entries ?? undefined, cutoffNs: String(cache.cutoffNs) });
    const out = backend.scanDirSync(p, prefix, native);
    if (out.errno !== 0) {
      const [code, text] = describeErrno(out.errno);
      const shown = typeof dir === 'string' ? dir : Buffer.from(p).toString();
      const error = Object.assign(new Error(`${code}: ${text}, ${out.syscall} '${shown}'`), { errno: -out.errno, code, syscall: out.syscall, path: dir });
      return { error };
    }
    const failures = out.failures.map((f) => {
      const err = toError(f, Buffer.from(out.paths.buffer, out.paths.byteOffset + (f.index === 0 ? 0 : out.ends[f.index - 1]), out.ends[f.index] - (f.index === 0 ? 0 : out.ends[f.index - 1])));
      return { index: f.index, code: err.code, message: err.message };
    });
    return { ...out, failures };
  }

  // Read-ahead for a cold page cache (native only: prefetch.rs); the fallback never reads ahead.
  function readAhead(paths, options = {}) {
    const subtree = options?.subtree ?? false;
    if (typeof subtree !== 'boolean') throw typeError('ERR_INVALID_ARG_TYPE', 'options.subtree must be a boolean');
    const raw = checkBatch(paths, {});
    if (!backend.readAhead || !backend.cacheCold()) return false;
    return backend.readAhead(raw, subtree);
  }
  const cacheCold = () => (backend.cacheCold ? backend.cacheCold() : false);
  const readAheadStats = () => (backend.readAheadStats ? backend.readAheadStats() : { threads: 0, uncached: 0, queued: 0, subtree: 0, done: 0 });

  /**
   * digest-tree's output lines from its store's layout (lines.rs); null without the addon
   * (digest-tree then writes them in JS). The layout is digest-tree's own, so the arguments are
   * checked by the native side only (an index out of range throws, nothing is written wrong).
   */
  const writeDigestLines = backend.writeDigestLines
    ? (order, from, layout, bsd, out) =>
        backend.writeDigestLines(order, from, layout.dirOf, layout.startOf, layout.lengthOf, layout.arena, layout.dirs, layout.dirEnds, layout.digests, bsd, out)
    : null;

  return { Sha512, sha512, hashFile, hashFileSync, hashFiles, hashFilesPacked, hashFilesAsync, scanDir: backend.scanDirSync ? scanDir : null, writeDigestLines, readAhead, cacheCold, readAheadStats, isNative };
}

module.exports = { createApi };
