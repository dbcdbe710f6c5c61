import fc from 'fast-check';
import { parseStrictJson, StrictJsonError } from '../../../src/token/strict-json.ts';

const code = (text: string): string => {
  try {
    parseStrictJson(text);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(StrictJsonError);
    return (error as StrictJsonError).code;
  }
};

describe('strict JSON', () => {
  it('parses what JSON.parse parses, for integer-only documents', () => {
    const integerJson = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.maxSafeInteger().filter((n) => !Object.is(n, -0)),
        fc.string(),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(integerJson, (value) => {
        const text = JSON.stringify(value);
        try {
          expect(parseStrictJson(text)).toEqual(JSON.parse(text));
        } catch (error) {
          expect((error as StrictJsonError).code).toBe('too_deep');
        }
      }),
    );
  });

  it('refuses duplicate keys, also when spelled differently', () => {
    expect(code('{"a":1,"a":2}')).toBe('duplicate_key');
    expect(code('{"sub":"x","\\u0073ub":"y"}')).toBe('duplicate_key');
    expect(code('{"o":{"k":1,"k":1}}')).toBe('duplicate_key');
  });

  it('refuses fractions, exponents, unsafe integers and -0', () => {
    expect(code('{"iat":1.5}')).toBe('non_integer');
    expect(code('{"iat":1e9}')).toBe('non_integer');
    expect(code('{"iat":1.0}')).toBe('non_integer');
    expect(code('{"iat":9007199254740993}')).toBe('non_integer');
    expect(code('{"iat":-0}')).toBe('non_integer');
  });

  it('refuses lone surrogates, bad syntax and deep nesting', () => {
    expect(code('"\\ud800"')).toBe('lone_surrogate');
    expect(code('"\\udc00\\ud800"')).toBe('lone_surrogate');
    expect(code('"\ud800"')).toBe('lone_surrogate');
    expect(code('"\ud83d\ude00"')).toBe('ok');
    for (const bad of ['{', '{"a" 1}', '{"a":1,}', '[1,]', "{'a':1}", '01', '{"a":1} x', 'NaN', '"\u0001"', '\ufeff{}', '"\\x41"']) {
      expect(code(bad)).toBe('syntax');
    }
    expect(code('[[[[[[[[[[1]]]]]]]]]]')).toBe('too_deep');
  });

  it('keeps __proto__ an ordinary own key that never becomes the prototype', () => {
    const value = parseStrictJson('{"__proto__":{"admin":true},"x":1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'x']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ admin: true });
    expect((value as { admin?: unknown }).admin).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(() => parseStrictJson('{"__proto__":1,"__proto__":2}')).toThrow(StrictJsonError);
  });
});
