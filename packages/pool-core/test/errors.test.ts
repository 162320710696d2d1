import { describe, expect, it } from 'vitest';
import { deserializeError, EncodingError, serializeError } from '../src/index.js';

/** Through the wire and back, as a backend does it. */
const roundTrip = (thrown: unknown) => deserializeError(structuredClone(serializeError(thrown)));

describe('error serialization', () => {
  it('keeps built-in classes, messages and stacks', () => {
    for (const Ctor of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) {
      const original = new Ctor('msg');
      const back = roundTrip(original) as Error;
      expect(back).toBeInstanceOf(Ctor);
      expect(back.constructor).toBe(Ctor);
      expect(back.message).toBe('msg');
      expect(back.stack).toBe(original.stack);
    }
  });

  it('keeps a subclass name and own fields; describes fields that cannot be sent', () => {
    class HttpError extends TypeError {
      status = 404;
      retry = () => true;
    }
    const back = roundTrip(Object.assign(new HttpError('nope'), { code: 'E_HTTP' })) as TypeError & Record<string, unknown>;
    expect(back).toBeInstanceOf(TypeError);
    expect(back.name).toBe('TypeError');
    expect(back.status).toBe(404);
    expect(back.code).toBe('E_HTTP');
    expect(back.retry).toBe('[unserializable function]');
  });

  it('rebuilds mpool errors raised inside workers as their own class', () => {
    expect(roundTrip(new EncodingError('cannot send'))).toBeInstanceOf(EncodingError);
  });

  it('stops at a cyclic cause chain instead of recursing forever', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    let depth = 0;
    for (let e = roundTrip(a) as Error | undefined; e; e = e.cause as Error | undefined) depth++;
    expect(depth).toBeGreaterThan(2);
    expect(depth).toBeLessThanOrEqual(17);
  });

  it('passes thrown non-errors through, and stringifies ones that cannot be cloned', () => {
    expect(roundTrip(42)).toBe(42);
    expect(roundTrip({ a: [1] })).toEqual({ a: [1] });
    expect(roundTrip(Symbol('s'))).toBe('Symbol(s)');
  });
});
