// ESM entry: re-exports the CommonJS facade (the generated napi loader is CommonJS).
import api from './index.js';

export const { Sha512, sha512, hashFile, hashFileSync, hashFiles, hashFilesPacked, hashFilesAsync, scanDir, writeDigestLines, readAhead, cacheCold, readAheadStats, isNative, nativeLoadError } = api;
export default api;
