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
    return { backend: require('./binding.js'), isNative: true, loadError: null };
  } catch (loadError) {
    // Unsupported platform, missing build, missing libcrypto.so.3, ...
    return { backend: require('./fallback.js'), isNative: false, loadError };
  }
}

const { backend, isNative, loadError } = loadBackend();
module.exports = { ...createApi(backend, isNative), nativeLoadError: loadError };
