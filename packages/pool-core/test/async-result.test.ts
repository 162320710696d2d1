import { describe, expect, it } from 'vitest';
import { AsyncResult, ResultNotReadyError, TimeoutError } from '../src/index.js';
import { SETTLE } from '../src/async-result.js';

describe('AsyncResult', () => {
  it('settles once; later outcomes are ignored', async () => {
    const seen: unknown[] = [];
    const r = new AsyncResult<number>({ callback: (v) => seen.push(v), errorCallback: (e) => seen.push(e) });
    expect(r.ready()).toBe(false);
    expect(() => r.successful()).toThrow(ResultNotReadyError);
    expect(r[SETTLE]({ ok: true, value: 1 })).toBe(true);
    expect(r[SETTLE]({ ok: false, error: new Error('late') })).toBe(false);
    expect(await r.get()).toBe(1);
    expect(seen).toEqual([1]);
  });

  it('a failed result nobody asks for is not an unhandled rejection; get() rethrows the same error', async () => {
    const r = new AsyncResult<number>();
    const error = new Error('x');
    r[SETTLE]({ ok: false, error });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(r.get()).rejects.toBe(error);
    expect(r.successful()).toBe(false);
  });

  it('get(timeout) rejects with TimeoutError carrying the timeout; bad timeouts throw RangeError', async () => {
    const r = new AsyncResult<number>();
    const error = await r.get(10).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeoutMs).toBe(10);
    expect(() => r.get(-5)).toThrow(RangeError);
    expect(() => r.wait(Number.NaN)).toThrow(RangeError);
    setTimeout(() => r[SETTLE]({ ok: true, value: 3 }), 5);
    expect(await r.get(Infinity)).toBe(3);
  });
});
