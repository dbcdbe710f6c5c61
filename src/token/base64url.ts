/**
 * Strict base64url (RFC 4648 §5) without padding. "Strict" means exactly one spelling per byte
 * string: only the 64 url-safe characters, no `=`, no whitespace, no length that cannot occur
 * (n ≡ 1 mod 4), and the unused low bits of the last character must be zero. Node's own
 * `Buffer.from(s, 'base64url')` accepts all of those silently — two parsers disagreeing about one
 * token is how CVE-2022-2385 happened — so tokens are decoded only through this module.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const STRICT_RE = /^[A-Za-z0-9_-]*$/;

/** The 6-bit value of each alphabet character, -1 elsewhere. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** Whether `text` is canonical unpadded base64url (see the module comment). The empty string is not. */
export function isStrictBase64url(text: string): boolean {
  if (text.length === 0 || !STRICT_RE.test(text)) return false;
  const rest = text.length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  // 2 chars carry 1 byte (4 spare bits), 3 chars carry 2 bytes (2 spare bits): spare bits must be 0.
  const last = VALUE[text.charCodeAt(text.length - 1)]!;
  const spareMask = rest === 2 ? 0b1111 : 0b11;
  return (last & spareMask) === 0;
}

/** Decodes canonical base64url; returns null for anything {@link isStrictBase64url} refuses. */
export function decodeBase64url(text: string): Uint8Array | null {
  if (!isStrictBase64url(text)) return null;
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
