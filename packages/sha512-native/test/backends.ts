// The two backends under test, each wrapped by the same public facade.
// The native one is loaded straight from the generated binding: if the build
// did not produce the .node file, importing this module throws and every
// native test fails (it never silently falls back).
import { createRequire } from 'node:module';

type Api = typeof import('../index.js');
const require = createRequire(import.meta.url);
const { createApi } = require('../api.js') as { createApi: (backend: unknown, isNative: boolean) => Api };

export const native: Api = createApi(require('../binding.js'), true);
export const fallback: Api = createApi(require('../fallback.js'), false);

/** For `describe.each`: every test runs against both backends. */
export const backends: Array<[string, Api]> = [
  ['native', native],
  ['fallback', fallback],
];

export const pkgDir = new URL('..', import.meta.url).pathname;
export { require };
