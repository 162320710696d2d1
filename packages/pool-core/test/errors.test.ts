import { describe, expect, it } from 'vitest';
import { deserializeError, EncodingError, serializeError } from '../src/index.js';
import { hostileThrown, type HostileKind } from '../src/testing/tasks.js';

const HOSTILE: HostileKind[] = [
  'prop-getter',
  'nested-getter',
  'message-getter',
  'name-getter',
  'stack-getter',
  'cause-getter',
  'proxy',
  'trapping-proxy',
  'revoked-proxy',
  'throwing-toString',
  'symbol-in-object',
];

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

  it('never throws, and what it returns can always be cloned, whatever was thrown', () => {
    for (const kind of HOSTILE) {
      const wire = serializeError(hostileThrown(kind));
      expect(() => structuredClone(wire), kind).not.toThrow();
      const back = deserializeError(structuredClone(wire));
      if (wire.kind === 'error' && kind !== 'message-getter' && kind !== 'trapping-proxy') expect((back as Error).message, kind).toBe(`hostile ${kind}`);
    }
  });

  it('a non-cloneable thrown object keeps its cloneable fields (nested too) and describes the rest', () => {
    const thrown = { code: 'E_X', when: new Date(5), cb: () => 1, nested: { id: 3, port: Symbol('p') }, list: [1, () => 2] };
    expect(roundTrip(thrown)).toEqual({
      code: 'E_X',
      when: new Date(5),
      cb: '[unserializable function]',
      nested: { id: 3, port: '[unserializable symbol]' },
      list: [1, '[unserializable function]'],
    });
  });
});
