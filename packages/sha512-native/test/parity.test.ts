// Parity with node:crypto on random data cut at random points (fast-check),
// on strings with astral characters, and on empty input, for both backends.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backends } from './backends.js';

const reference = (parts: Array<string | Uint8Array>) => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** Cuts `data` at the given (unsorted, possibly repeated) offsets. */
function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, data.length]) {
    parts.push(data.subarray(start, p));
    start = p;
  }
  return parts;
}

describe.each(backends)('%s backend', (_name, api) => {
  it('matches node:crypto on random bytes cut into random update() calls', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (data, cuts) => {
          const h = new api.Sha512();
          for (const part of split(data, cuts)) h.update(part);
          const want = reference([data]);
          expect(h.digest('hex')).toBe(want);
          expect(api.sha512(data, 'hex')).toBe(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches node:crypto on random strings (astral code points included) mixed with bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 300 }))), (parts) => {
        const h = new api.Sha512();
        for (const p of parts) h.update(p);
        expect(h.digest('hex')).toBe(reference(parts));
      }),
      { numRuns: 300 },
    );
  });

  it('hashes strings as UTF-8, astral characters and lone surrogates as node:crypto does', () => {
    for (const s of ['😀', 'a😀b𝄞c', '\u{10FFFF}', 'é', '\uD800', 'x\uDC00y']) {
      expect(api.sha512(s, 'hex')).toBe(reference([s]));
      expect(new api.Sha512().update(s).digest('hex')).toBe(reference([s]));
    }
  });

  it('treats empty input (string, Buffer, no update at all) as the empty message', () => {
    const empty = reference([]);
    expect(new api.Sha512().digest('hex')).toBe(empty);
    expect(new api.Sha512().update('').update(Buffer.alloc(0)).digest('hex')).toBe(empty);
    expect(api.sha512(new Uint8Array(0), 'hex')).toBe(empty);
  });

  it('matches node:crypto on inputs that straddle block and chunk boundaries', () => {
    for (const n of [111, 112, 127, 128, 129, 255, 256, 65_535, 262_144, 262_145]) {
      const data = Buffer.alloc(n, n % 251);
      expect(api.sha512(data, 'hex')).toBe(reference([data]));
    }
  });
});
