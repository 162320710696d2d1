// FIPS 180-4 example vectors, streaming/one-shot semantics and argument
// checking, for both backends.
import { describe, expect, it } from 'vitest';
import { backends } from './backends.js';

const TWO_BLOCK =
  'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu';
const VECTORS: Array<[string, string | Buffer, string]> = [
  [
    'empty',
    '',
    'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
  ],
  [
    '"abc"',
    'abc',
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  ],
  [
    '896-bit two-block message',
    TWO_BLOCK,
    '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909',
  ],
  [
    'one million "a"',
    Buffer.alloc(1_000_000, 'a'),
    'e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b',
  ],
];

describe.each(backends)('%s backend', (_name, api) => {
  describe.each(VECTORS)('FIPS 180-4: %s', (_label, input, hex) => {
    it('one-shot sha512()', () => {
      expect(api.sha512(input, 'hex')).toBe(hex);
      expect(api.sha512(input).toString('hex')).toBe(hex);
    });

    it('streaming Sha512, fed byte by byte for short inputs and in 3 pieces otherwise', () => {
      const bytes = Buffer.from(input);
      const h = new api.Sha512();
      if (bytes.length < 200) for (const b of bytes) h.update(Buffer.of(b));
      else h.update(bytes.subarray(0, 7)).update(bytes.subarray(7, 500_001)).update(bytes.subarray(500_001));
      expect(h.digest('hex')).toBe(hex);
    });
  });

  it('digest() returns a 64-byte Buffer; hex and base64 agree with it', () => {
    const raw = new api.Sha512().update('abc').digest();
    expect(Buffer.isBuffer(raw)).toBe(true);
    expect(raw.length).toBe(64);
    expect(new api.Sha512().update('abc').digest('base64')).toBe(raw.toString('base64'));
    expect(api.sha512('abc', 'base64')).toBe(raw.toString('base64'));
  });

  it('update() returns this, for chaining', () => {
    const h = new api.Sha512();
    expect(h.update('a')).toBe(h);
  });

  it('update or digest after digest throws ERR_CRYPTO_HASH_FINALIZED, as node:crypto does', () => {
    const h = new api.Sha512().update('abc');
    h.digest();
    expect(() => h.update('x')).toThrow(expect.objectContaining({ code: 'ERR_CRYPTO_HASH_FINALIZED' }));
    expect(() => h.digest()).toThrow(expect.objectContaining({ code: 'ERR_CRYPTO_HASH_FINALIZED' }));
    expect(() => h.digest('hex')).toThrow('Digest already called');
  });

  it('accepts every ArrayBufferView, hashing exactly the viewed bytes', () => {
    const backing = Buffer.from('xxabcxx');
    const views = [
      new Uint8Array(backing.buffer, backing.byteOffset + 2, 3),
      new DataView(backing.buffer, backing.byteOffset + 2, 3),
      new Uint8ClampedArray(backing.buffer, backing.byteOffset + 2, 3),
    ];
    const want = api.sha512('abc', 'hex');
    for (const v of views) {
      expect(api.sha512(v, 'hex')).toBe(want);
      expect(new api.Sha512().update(v).digest('hex')).toBe(want);
    }
  });

  it('rejects non-byte input and unknown encodings with TypeErrors', () => {
    const bad = [42, null, undefined, {}, [1, 2]] as unknown as string[];
    for (const b of bad) {
      expect(() => api.sha512(b)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      expect(() => new api.Sha512().update(b)).toThrow(TypeError);
    }
    expect(() => api.sha512('a', 'nope' as BufferEncoding)).toThrow(
      expect.objectContaining({ code: 'ERR_UNKNOWN_ENCODING' }),
    );
  });
});
