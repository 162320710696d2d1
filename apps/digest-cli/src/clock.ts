import { createRequire } from 'node:module';

/**
 * A monotonic clock in milliseconds, for budgets (scan.ts, inline.ts). Not `performance.now()`:
 * the first use of `performance` loads perf_hooks, a millisecond or two of a small run's start.
 */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Builtins a small run does not need, loaded on first use (node:crypto alone pulls in the streams). */
export const lazyBuiltin = <T>(name: string): (() => T) => {
  let loaded: T | undefined;
  return () => (loaded ??= requireBuiltin(name) as T);
};

function requireBuiltin(name: string): unknown {
  // process.getBuiltinModule is Node >= 22.3; a require made here serves Node 20 in ESM and CJS.
  return createRequire(import.meta.url)(name);
}
