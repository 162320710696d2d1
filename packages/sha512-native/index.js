'use strict';
// Entry point: the native addon when it loads, else the node:crypto fallback
// with the very same API (see api.js). MPOOL_SHA512_NATIVE=0 forces the
// fallback, so both paths can be exercised on one machine.

const { createApi } = require('./api.js');

function loadBackend() {
  if (process.env.MPOOL_SHA512_NATIVE === '0') {
    return { backend: require('./fallback.js'), isNative: false, loadError: null };
  }
  try {
    return { backend: loadBinding(), isNative: true, loadError: null };
  } catch (loadError) {
    // Unsupported platform, missing build, missing libcrypto.so.3, ...
    return { backend: require('./fallback.js'), isNative: false, loadError };
  }
}

/**
 * The addon. napi-rs's loader (binding.js) finds the right build for any platform, but costs
 * ~4 ms of every start-up here (it compiles 37 KB and reads /usr/bin/ldd to tell musl from
 * glibc): `node -e "require(...)"` took 92 ms with it, 85 ms requiring the build directly, and
 * `node -e 0` 79 ms (medians of 30). So this package's own linux-x64-gnu build is tried first;
 * if it is missing or does not load (musl, no libcrypto), the loader decides, with its own
 * errors. Its overrides (NAPI_RS_NATIVE_LIBRARY_PATH, NAPI_RS_FORCE_WASI) always go through it.
 */
function loadBinding() {
  const env = process.env;
  if (process.platform === 'linux' && process.arch === 'x64' && !env.NAPI_RS_NATIVE_LIBRARY_PATH && !env.NAPI_RS_FORCE_WASI) {
    try {
      return require('./sha512-native.linux-x64-gnu.node');
    } catch {
      // the loader below tries it again, then the other builds, and reports why
    }
  }
  return require('./binding.js');
}

const { backend, isNative, loadError } = loadBackend();
module.exports = { ...createApi(backend, isNative), nativeLoadError: loadError };
