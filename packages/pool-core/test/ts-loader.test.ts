import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTypeScriptUrl, preloadSpecifiers, tsxFrom, tsxInArgv } from '../src/ts-loader.js';

const here = fileURLToPath(import.meta.url);
const packageDir = dirname(dirname(here));
const tsx = tsxFrom(here)!;

describe('finding the tsx a program runs under', () => {
  it('tsxFrom: the loader for --import and the ESM API, as file URLs', () => {
    expect(tsx.loader).toMatch(/^file:.*\/tsx\/dist\/loader\.mjs$/);
    expect(tsx.esmApi).toMatch(/^file:.*\/tsx\/dist\/esm\/api\/index\.mjs$/);
    expect(tsxFrom('/nowhere/main.js')).toBeUndefined();
  });

  it('preloadSpecifiers: values of --import/--loader/--require/-r, spaced or with =', () => {
    const argv = ['--max-old-space-size=64', '--import', 'tsx', '--require=/x/preflight.cjs', '-r', 'a', '--loader=b', '--experimental-loader', 'c', '--inspect'];
    expect(preloadSpecifiers(argv)).toEqual(['tsx', '/x/preflight.cjs', 'a', 'b', 'c']);
    expect(preloadSpecifiers(['--import'])).toEqual([]);
  });

  it('tsxInArgv: `node --import tsx` (bare, resolved from the working directory)', () => {
    expect(tsxInArgv(['--import', 'tsx'], packageDir)).toEqual(tsx);
    expect(tsxInArgv(['--import=tsx/esm'], packageDir)).toEqual(tsx);
    expect(tsxInArgv(['--import', 'tsx'], '/')).toBeUndefined();
  });

  it("tsxInArgv: the tsx CLI's flags (files inside the tsx package, by URL or path)", () => {
    const loaderPath = fileURLToPath(tsx.loader);
    const preflight = join(dirname(loaderPath), 'preflight.cjs');
    expect(tsxInArgv(['--require', preflight, '--import', tsx.loader], '/')).toEqual(tsx);
    expect(tsxInArgv(['--import', loaderPath], '/')).toEqual(tsx);
  });

  it('tsxInArgv: other preloads are not tsx', () => {
    expect(tsxInArgv(['--import', pathToFileURL(here).href, '--require', './setup.cjs', '--import', 'ts-node/esm'], packageDir)).toBeUndefined();
    expect(tsxInArgv([], packageDir)).toBeUndefined();
  });

  it('isTypeScriptUrl: .ts, .mts, .cts, .tsx, also with a query', () => {
    for (const url of ['file:///a/t.ts', 'file:///a/t.mts', 'file:///a/t.cts', 'file:///a/t.tsx', 'file:///a/t.ts?v=1']) expect(isTypeScriptUrl(url)).toBe(true);
    for (const url of ['file:///a/t.js', 'file:///a/t.mjs', 'file:///a/ts', 'file:///a/t.d.ts.map']) expect(isTypeScriptUrl(url)).toBe(false);
  });
});
