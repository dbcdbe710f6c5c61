/**
 * A small, strict JSON (RFC 8259) parser for token claims. `JSON.parse` keeps the last of two equal
 * keys, so `{"sub":"0xA…","sub":"0xB…"}` would mean different things to different parsers; this one
 * refuses duplicate keys (compared after unescaping), lone UTF-16 surrogates, numbers with a fraction
 * or exponent (every number in a claim set is an integer), unsafe integers and deep nesting.
 * A `__proto__` key is just a key (an own property), never the object's prototype.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type StrictJsonErrorCode = 'syntax' | 'duplicate_key' | 'non_integer' | 'too_deep' | 'lone_surrogate';

export class StrictJsonError extends Error {
  readonly code: StrictJsonErrorCode;
  constructor(code: StrictJsonErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const MAX_DEPTH = 8;
const INTEGER_RE = /-?(?:0|[1-9][0-9]*)/y;
const FRACTION_OR_EXPONENT_RE = /[.eE]/y;
/** Characters a string may hold as they are: not a quote, backslash, control or surrogate. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what the run must stop at
const PLAIN_RUN_RE = /[^"\\\u0000-\u001f\ud800-\udfff]*/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

// ignoreBOM keeps a byte-order mark in the text instead of silently dropping it; jsonText refuses it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A body's bytes as JSON text: UTF-8 (RFC 8259 §8.1) without a byte-order mark, or why not. */
export function jsonText(bytes: Uint8Array): { ok: true; text: string } | { ok: false; message: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { ok: false, message: 'a byte-order mark before the JSON body is not allowed' };
  try {
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    return { ok: false, message: 'body is not valid JSON' };
  }
}

/** A request body's bytes parsed strictly, or the one-line reason a webhook answers 400 with. */
export function readJsonBytes(bytes: Uint8Array): { ok: true; value: JsonValue } | { ok: false; message: string } {
  const text = jsonText(bytes);
  return text.ok ? readJsonBody(text.text) : text;
}

/** A request body parsed strictly, or the one-line reason a webhook answers 400 with. */
export function readJsonBody(text: string): { ok: true; value: JsonValue } | { ok: false; message: string } {
  if (text.length === 0) return { ok: false, message: 'empty body' };
  try {
    return { ok: true, value: parseStrictJson(text) };
  } catch (error) {
    return { ok: false, message: error instanceof StrictJsonError && error.code === 'duplicate_key' ? 'duplicate key in body' : 'body is not valid JSON' };
  }
}

/** Parses `text` or throws {@link StrictJsonError}; never throws anything else. */
export function parseStrictJson(text: string): JsonValue {
  const parser = new Parser(text);
  parser.skipWhitespace();
  const value = parser.value(0);
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail('syntax', 'trailing characters');
  return value;
}

class Parser {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  fail(code: StrictJsonErrorCode, what: string): never {
    throw new StrictJsonError(code, `${what} at offset ${this.pos}`);
  }

  skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('too_deep', 'nesting too deep');
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, result] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return result;
      }
    }
    return this.fail('syntax', 'unexpected character');
  }

  expect(char: string): void {
    if (this.text[this.pos] !== char) this.fail('syntax', `expected '${char}'`);
    this.pos++;
  }

  object(depth: number): { [key: string]: JsonValue } {
    const result: { [key: string]: JsonValue } = {};
    this.expect('{');
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('syntax', 'expected a key');
      const key = this.string();
      if (Object.hasOwn(result, key)) this.fail('duplicate_key', 'duplicate key');
      this.skipWhitespace();
      this.expect(':');
      this.skipWhitespace();
      const value = this.value(depth);
      // `__proto__` becomes an own data property, never the object's prototype.
      if (key === '__proto__') Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      else result[key] = value;
      this.skipWhitespace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return result;
      }
      this.expect(',');
    }
  }

  array(depth: number): JsonValue[] {
    const result: JsonValue[] = [];
    this.expect('[');
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      result.push(this.value(depth));
      this.skipWhitespace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return result;
      }
      this.expect(',');
    }
  }

  number(): number {
    INTEGER_RE.lastIndex = this.pos;
    const match = INTEGER_RE.exec(this.text);
    if (!match) return this.fail('syntax', 'bad number');
    this.pos += match[0].length;
    FRACTION_OR_EXPONENT_RE.lastIndex = this.pos;
    if (FRACTION_OR_EXPONENT_RE.test(this.text)) this.fail('non_integer', 'number with a fraction or exponent');
    const value = Number(match[0]);
    if (!Number.isSafeInteger(value) || Object.is(value, -0)) this.fail('non_integer', 'integer out of range');
    return value;
  }

  string(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      // Fast path: a run of characters that need no attention.
      PLAIN_RUN_RE.lastIndex = this.pos;
      const run = PLAIN_RUN_RE.exec(this.text)![0];
      out += run;
      this.pos += run.length;
      const c = this.text.charCodeAt(this.pos);
      if (Number.isNaN(c)) this.fail('syntax', 'unterminated string');
      if (c < 0x20) this.fail('syntax', 'control character in string');
      if (c >= 0xd800 && c <= 0xdfff) {
        out += this.rawSurrogatePair(c);
        continue;
      }
      this.pos++;
      if (c === 0x22) return out;
      out += this.escape(); // c is a backslash
    }
  }

  /** A literal astral character is a surrogate pair in a JS string; a half pair is refused. */
  rawSurrogatePair(high: number): string {
    const low = this.text.charCodeAt(this.pos + 1);
    if (high > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) this.fail('lone_surrogate', 'unpaired surrogate');
    this.pos += 2;
    return String.fromCharCode(high, low);
  }

  escape(): string {
    const e = this.text[this.pos++];
    if (e === undefined) return this.fail('syntax', 'unterminated escape');
    if (e !== 'u') {
      const simple = ESCAPES[e];
      if (simple === undefined) this.fail('syntax', 'bad escape');
      return simple;
    }
    const high = this.hex4();
    if (high < 0xd800 || high > 0xdfff) return String.fromCharCode(high);
    if (high > 0xdbff || !this.text.startsWith('\\u', this.pos)) this.fail('lone_surrogate', 'unpaired surrogate');
    this.pos += 2;
    const low = this.hex4();
    if (low < 0xdc00 || low > 0xdfff) this.fail('lone_surrogate', 'unpaired surrogate');
    return String.fromCharCode(high, low);
  }

  hex4(): number {
    const digits = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('syntax', 'bad \\u escape');
    this.pos += 4;
    return parseInt(digits, 16);
  }
}
