import fc from 'fast-check';
import { decodeBase64url, encodeBase64url, isStrictBase64url } from '../../../src/token/base64url.ts';

describe('strict base64url', () => {
  it('round-trips every byte string and has one spelling per value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const text = encodeBase64url(bytes);
        expect(isStrictBase64url(text)).toBe(true);
        expect(Buffer.from(decodeBase64url(text)!)).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it.each([
    ['padding', 'YQ=='],
    ['standard alphabet +', 'a+b/'],
    ['whitespace', 'YW Jj'],
    ['impossible length', 'YWJjZ'],
    ['non-zero spare bits (2 chars)', 'YR'],
    ['non-zero spare bits (3 chars)', 'YWJ'],
    ['empty', ''],
    ['non-ASCII', 'YWJj\u00e9'],
  ])('refuses %s', (_name, text) => {
    expect(isStrictBase64url(text)).toBe(false);
    expect(decodeBase64url(text)).toBeNull();
  });

  it('accepts the canonical spellings Node would also decode', () => {
    expect(Buffer.from(decodeBase64url('YQ')!).toString()).toBe('a');
    expect(Buffer.from(decodeBase64url('YWI')!).toString()).toBe('ab');
    expect(Buffer.from(decodeBase64url('_-8')!)).toEqual(Buffer.from([0xff, 0xef]));
  });
});
