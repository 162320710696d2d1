/**
 * The ESM and CJS builds each define the error classes; `instanceof` must hold across them (an
 * error raised by a pool made through `require()` checked against the class from `import`).
 * Runs against the built dist (`pnpm --filter @mpool/pool-core build` first).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

type ErrorClasses = Record<string, new (...args: never[]) => Error>;
const esm = (await import('../dist/index.js')) as unknown as ErrorClasses;
const cjs = createRequire(import.meta.url)('../dist/index.cjs') as ErrorClasses;

const NAMES = ['PoolError', 'TimeoutError', 'PoolStateError', 'ResultNotReadyError', 'WorkerCrashedError', 'EncodingError', 'InitializerError', 'AbortError'];
const ARGS: Record<string, unknown[]> = { TimeoutError: ['t', 5], WorkerCrashedError: ['w', { exitCode: 1, signal: null, workerId: 1 }] };
const make = (classes: ErrorClasses, name: string) => new (classes[name] as new (...a: unknown[]) => Error)(...(ARGS[name] ?? ['m']));

describe('error classes across the ESM and CJS builds', () => {
  it('the two builds are distinct copies (the test would prove nothing otherwise)', () => {
    for (const name of NAMES) expect(esm[name]).not.toBe(cjs[name]);
  });

  for (const [from, to, a, b] of [['CJS', 'ESM', cjs, esm], ['ESM', 'CJS', esm, cjs]] as const) {
    it(`an error made by the ${from} build is instanceof every matching class of the ${to} build, and of no other`, () => {
      for (const name of NAMES) {
        const error = make(a, name);
        expect(error instanceof b[name]!, `${from} ${name} instanceof ${to} ${name}`).toBe(true);
        expect(error instanceof b.PoolError!, `${from} ${name} instanceof ${to} PoolError`).toBe(true);
        expect(error).toBeInstanceOf(Error);
        for (const other of NAMES) {
          if (other !== name && other !== 'PoolError') expect(error instanceof b[other]!, `${from} ${name} instanceof ${to} ${other}`).toBe(false);
        }
      }
      expect(new Error('plain') instanceof b.PoolError!).toBe(false);
      expect({} instanceof b.EncodingError!).toBe(false);
      expect((null as unknown as object) instanceof b.EncodingError!).toBe(false);
    });
  }

  it('subclasses still work: built-in ones, and a user class extending PoolError', () => {
    const Base = esm.PoolError as unknown as new (message: string) => Error;
    class QuotaExceeded extends Base {}
    const mine = new QuotaExceeded('over');
    expect(mine).toBeInstanceOf(QuotaExceeded);
    expect(mine).toBeInstanceOf(esm.PoolError!);
    expect(mine).toBeInstanceOf(cjs.PoolError!);
    expect(mine.name).toBe('QuotaExceeded');
    expect(make(esm, 'PoolError')).not.toBeInstanceOf(QuotaExceeded); // the user class is checked the ordinary way
    expect(make(cjs, 'TimeoutError')).not.toBeInstanceOf(QuotaExceeded);
    expect(make(cjs, 'TimeoutError')).toBeInstanceOf(esm.TimeoutError!);
    expect(make(esm, 'TimeoutError')).toBeInstanceOf(esm.PoolError!);
  });
});
