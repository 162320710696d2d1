// The two backends under test, each wrapped by the same public facade.
// The native one is loaded straight from the generated binding, never through
// index.js's fallback: if the build did not produce the .node file, every
// native test fails (while the fallback tests still run).
import { createRequire } from 'node:module';

type Api = typeof import('../index.js');
const require = createRequire(import.meta.url);
const { createApi } = require('../api.js') as { createApi: (backend: unknown, isNative: boolean) => Api };

function loadNative(): Api {
  try {
    return createApi(require('../binding.js'), true);
  } catch (err) {
    const fail = () => {
      throw new Error(`the native addon did not load, but the build must produce it: ${String(err)}`);
    };
    return new Proxy({} as Api, { get: fail });
  }
}

export const native: Api = loadNative();
export const fallback: Api = createApi(require('../fallback.js'), false);

/** For `describe.each`: every test runs against both backends. */
export const backends: Array<[string, Api]> = [
  ['native', native],
  ['fallback', fallback],
];

export const pkgDir = new URL('..', import.meta.url).pathname;
export { require };
