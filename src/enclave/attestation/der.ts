/**
 * Minimal strict DER: a TLV reader for parsing X.509 certificates and a writer for building them (the
 * simulated NSM). Only what certificates use: low tag numbers, definite minimal lengths. Anything else
 * throws `DerError`, which callers turn into their own error code.
 */

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag number n, constructed (EXPLICIT [n]). */
export const contextTag = (n: number): number => 0xa0 | n;

export interface DerNode {
  tag: number;
  /** The whole TLV (header and value): what a signature or a byte comparison covers. */
  raw: Uint8Array;
  /** The value octets only. */
  value: Uint8Array;
}

/** Reads one TLV at `offset`; returns it and the offset just past it. */
export function readTlv(buf: Uint8Array, offset: number): { node: DerNode; next: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated DER header');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let pos = offset + 1;
  const first = buf[pos++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER');
    if (count > 4) throw new DerError('DER length too large');
    if (pos + count > buf.length) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++]!;
    // DER requires the shortest form: no leading zero octet, and long form only from 128 on.
    if (buf[pos - count] === 0 || length < 0x80) throw new DerError('non-minimal DER length');
  }
  const end = pos + length;
  if (end > buf.length) throw new DerError('DER value runs past its container');
  return { node: { tag, raw: buf.subarray(offset, end), value: buf.subarray(pos, end) }, next: end };
}

/** Parses `buf` as exactly one TLV with nothing after it. */
export function readSingle(buf: Uint8Array, expectedTag?: number): DerNode {
  const { node, next } = readTlv(buf, 0);
  if (next !== buf.length) throw new DerError('trailing bytes after DER value');
  if (expectedTag !== undefined) expectTag(node, expectedTag);
  return node;
}

/** The children of a constructed node, in order. */
export function readChildren(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) throw new DerError(`tag 0x${node.tag.toString(16)} is not constructed`);
  const children: DerNode[] = [];
  let pos = 0;
  while (pos < node.value.length) {
    const { node: child, next } = readTlv(node.value, pos);
    children.push(child);
    pos = next;
  }
  return children;
}

export function expectTag(node: DerNode | undefined, tag: number): DerNode {
  if (!node) throw new DerError(`missing DER element (expected tag 0x${tag.toString(16)})`);
  if (node.tag !== tag) throw new DerError(`expected DER tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  return node;
}

export function decodeOid(node: DerNode): string {
  expectTag(node, TAG.OID);
  const v = node.value;
  if (v.length === 0) throw new DerError('empty OID');
  const arcs: number[] = [];
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    const byte = v[i]!;
    if (acc === 0 && byte === 0x80) throw new DerError('non-minimal OID arc');
    acc = acc * 128 + (byte & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER) throw new DerError('OID arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
    } else if (i === v.length - 1) {
      throw new DerError('truncated OID');
    }
  }
  const head = arcs.shift()!;
  const first = head < 40 ? 0 : head < 80 ? 1 : 2;
  return [first, head - first * 40, ...arcs].join('.');
}

export function decodeBoolean(node: DerNode): boolean {
  expectTag(node, TAG.BOOLEAN);
  if (node.value.length !== 1 || (node.value[0] !== 0 && node.value[0] !== 0xff)) {
    throw new DerError('BOOLEAN must be one octet 0x00 or 0xff');
  }
  return node.value[0] === 0xff;
}

/** A small non-negative INTEGER (path lengths, versions). */
export function decodeSmallUint(node: DerNode): number {
  expectTag(node, TAG.INTEGER);
  const v = node.value;
  if (v.length === 0 || v.length > 4 || (v[0]! & 0x80) !== 0) throw new DerError('expected a small non-negative INTEGER');
  if (v.length > 1 && v[0] === 0 && (v[1]! & 0x80) === 0) throw new DerError('non-minimal INTEGER');
  return v.reduce((acc, byte) => acc * 256 + byte, 0);
}

/** BIT STRING contents without the unused-bits octet; the unused count is returned beside them. */
export function decodeBitString(node: DerNode): { bytes: Uint8Array; unusedBits: number } {
  expectTag(node, TAG.BIT_STRING);
  const unusedBits = node.value[0];
  if (unusedBits === undefined || unusedBits > 7 || (node.value.length === 1 && unusedBits !== 0)) {
    throw new DerError('malformed BIT STRING');
  }
  return { bytes: node.value.subarray(1), unusedBits };
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), as unix seconds. */
export function decodeTime(node: DerNode): number {
  const text = Buffer.from(node.value).toString('latin1');
  let match: RegExpExecArray | null;
  let year: number;
  if (node.tag === TAG.UTC_TIME && (match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 4.1.2.5.1
  } else if (node.tag === TAG.GENERALIZED_TIME && (match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    year = Number(match[1]);
  } else {
    throw new DerError(`malformed certificate time '${text}'`);
  }
  const [mo, d, h, mi, s] = match.slice(2).map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(year, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new DerError(`invalid calendar time '${text}'`);
  }
  return ms / 1000;
}

// ---------------------------------------------------------------------------------------------------
// Writer

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const value = Buffer.concat(parts);
  return new Uint8Array(Buffer.concat([Uint8Array.of(tag), encodeLength(value.length), value]));
}

export const der = {
  sequence: (...parts: Uint8Array[]) => tlv(TAG.SEQUENCE, ...parts),
  set: (...parts: Uint8Array[]) => tlv(TAG.SET, ...parts),
  explicit: (n: number, inner: Uint8Array) => tlv(contextTag(n), inner),
  boolean: (value: boolean) => tlv(TAG.BOOLEAN, Uint8Array.of(value ? 0xff : 0)),
  octetString: (bytes: Uint8Array) => tlv(TAG.OCTET_STRING, bytes),
  bitString: (bytes: Uint8Array, unusedBits = 0) => tlv(TAG.BIT_STRING, Uint8Array.of(unusedBits), bytes),
  utf8: (text: string) => tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8')),
  printable: (text: string) => tlv(TAG.PRINTABLE_STRING, Buffer.from(text, 'latin1')),
  /** Non-negative INTEGER from big-endian magnitude bytes (a leading 0x00 is added when needed). */
  unsignedInteger(magnitude: Uint8Array): Uint8Array {
    let start = 0;
    while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
    const trimmed = magnitude.subarray(start);
    const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Uint8Array.of(0), trimmed]) : trimmed;
    return tlv(TAG.INTEGER, body.length === 0 ? Uint8Array.of(0) : body);
  },
  smallInteger: (n: number) => der.unsignedInteger(Uint8Array.of(...bigEndian(n))),
  oid(dotted: string): Uint8Array {
    const arcs = dotted.split('.').map(Number);
    const body: number[] = [arcs[0]! * 40 + arcs[1]!];
    for (const arc of arcs.slice(2)) {
      const chunk: number[] = [arc & 0x7f];
      for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
      body.push(...chunk);
    }
    return tlv(TAG.OID, Uint8Array.from(body));
  },
  /** UTCTime until 2049, GeneralizedTime from 2050 on (RFC 5280 4.1.2.5). Whole seconds. */
  time(date: Date): Uint8Array {
    const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
    const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
    const year = date.getUTCFullYear();
    if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`, 'latin1'));
    return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${digits}Z`, 'latin1'));
  },
};

function bigEndian(n: number): number[] {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return bytes.length ? bytes : [0];
}
