/**
 * Strict CBOR decoding for attestation documents. cbor-x turns bytes into values; before it runs, a
 * small structural scan rejects what cbor-x would silently accept: tags (cbor-x maps some, e.g. tag 64,
 * onto plain byte arrays), duplicate map keys (cbor-x keeps the last), floats, undefined and other simple
 * values, invalid UTF-8 text, trailing bytes, and nesting deeper than the document shape needs.
 * Definite and indefinite lengths are both fine: documents from 2025 on use an indefinite-length map.
 */
import { Decoder, Tag } from 'cbor-x';

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Deep enough for COSE_Sign1 → payload map → pcrs map / cabundle array, with room to spare. */
const MAX_DEPTH = 8;

export class CborError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CborError';
  }
}

export interface StrictCborOptions {
  /** The one tag allowed, and only on the outermost item (18 for COSE_Sign1). */
  topLevelTag?: number;
  /** Reject maps with two equal keys (default true). */
  rejectDuplicateKeys?: boolean;
}

export interface DecodedCbor {
  value: unknown;
  /** The outermost tag when one was present (only `topLevelTag` can be). */
  tag: number | null;
}

export function decodeStrictCbor(bytes: Uint8Array, options: StrictCborOptions = {}): DecodedCbor {
  const scanner = new Scanner(bytes, options);
  const end = scanner.item(0, 0);
  if (end !== bytes.length) throw new CborError(`${bytes.length - end} trailing byte(s) after the CBOR item`);
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (error) {
    throw new CborError(`undecodable CBOR: ${(error as Error).message}`);
  }
  if (value instanceof Tag) return { value: value.value, tag: value.tag };
  return { value, tag: null };
}

class Scanner {
  private readonly bytes: Uint8Array;
  private readonly options: StrictCborOptions;

  constructor(bytes: Uint8Array, options: StrictCborOptions) {
    this.bytes = bytes;
    this.options = options;
  }

  /** Validates the item at `pos`; returns the offset just past it. */
  item(pos: number, depth: number): number {
    if (depth > MAX_DEPTH) throw new CborError('CBOR nesting too deep');
    const initial = this.byteAt(pos);
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (info === 31) return this.indefinite(major, pos + 1, depth);
    const { arg, next } = this.argument(info, pos + 1);
    switch (major) {
      case 0:
      case 1:
        return next;
      case 2:
        return this.span(next, arg);
      case 3:
        return this.text(next, arg);
      case 4:
        return this.array(next, arg, depth);
      case 5:
        return this.map(next, arg, depth);
      case 6:
        if (depth !== 0 || this.options.topLevelTag === undefined || BigInt(arg) !== BigInt(this.options.topLevelTag)) {
          throw new CborError(`CBOR tag ${arg} is not allowed here`);
        }
        return this.item(next, depth + 1); // a second tag inside is not outermost, so it is refused
      default:
        // major 7: only false (20), true (21) and null (22); no floats, undefined or simple values
        if (info >= 20 && info <= 22) return next;
        throw new CborError(`unsupported CBOR simple/float value (0x${initial.toString(16)})`);
    }
  }

  private byteAt(pos: number): number {
    const b = this.bytes[pos];
    if (b === undefined) throw new CborError('truncated CBOR');
    return b;
  }

  private argument(info: number, pos: number): { arg: number | bigint; next: number } {
    if (info < 24) return { arg: info, next: pos };
    if (info > 27) throw new CborError(`reserved CBOR additional information ${info}`);
    const size = 1 << (info - 24);
    if (pos + size > this.bytes.length) throw new CborError('truncated CBOR argument');
    let value = 0n;
    for (let i = 0; i < size; i++) value = (value << 8n) | BigInt(this.bytes[pos + i]!);
    const arg = value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    return { arg, next: pos + size };
  }

  private span(pos: number, length: number | bigint): number {
    if (typeof length === 'bigint' || pos + length > this.bytes.length) throw new CborError('CBOR string runs past the end');
    return pos + length;
  }

  private text(pos: number, length: number | bigint): number {
    const end = this.span(pos, length);
    try {
      utf8.decode(this.bytes.subarray(pos, end));
    } catch {
      throw new CborError('CBOR text is not valid UTF-8');
    }
    return end;
  }

  private count(n: number | bigint, pos: number): number {
    // every item takes at least one byte, so a count beyond the remaining bytes is a lie
    if (typeof n === 'bigint' || n > this.bytes.length - pos) throw new CborError('CBOR container count exceeds the input');
    return n;
  }

  private array(pos: number, n: number | bigint, depth: number): number {
    let at = pos;
    for (let i = this.count(n, pos); i > 0; i--) at = this.item(at, depth + 1);
    return at;
  }

  private map(pos: number, n: number | bigint, depth: number): number {
    const keys = new Set<string>();
    let at = pos;
    for (let i = this.count(n, pos); i > 0; i--) at = this.entry(at, depth, keys);
    return at;
  }

  private entry(pos: number, depth: number, keys: Set<string>): number {
    const keyEnd = this.item(pos, depth + 1);
    if (this.options.rejectDuplicateKeys !== false) {
      const id = keyIdentity(this.bytes.subarray(pos, keyEnd));
      if (keys.has(id)) throw new CborError(`duplicate CBOR map key ${id}`);
      keys.add(id);
    }
    return this.item(keyEnd, depth + 1);
  }

  private indefinite(major: number, pos: number, depth: number): number {
    let at = pos;
    const keys = new Set<string>();
    for (;;) {
      if (this.byteAt(at) === 0xff) return at + 1;
      if (major === 2 || major === 3) {
        // chunks: definite-length strings of the same major type
        const chunk = this.byteAt(at);
        if (chunk >> 5 !== major || (chunk & 0x1f) === 31) throw new CborError('bad chunk in indefinite-length string');
        at = this.item(at, depth + 1);
      } else if (major === 4) {
        at = this.item(at, depth + 1);
      } else if (major === 5) {
        at = this.entry(at, depth, keys);
      } else {
        throw new CborError(`indefinite length is not allowed for major type ${major}`);
      }
    }
  }
}

/** Keys compare by value, so 1 and a non-minimal encoding of 1 are the same key. */
function keyIdentity(encoded: Uint8Array): string {
  const key: unknown = decoder.decode(encoded);
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'bigint') return String(key);
  return `0x${Buffer.from(encoded).toString('hex')}`;
}
