/**
 * Hashes of a bearer token: the full SHA-256 keys caches, a short prefix identifies a token in logs.
 * The token itself is never stored or logged. Tokens carry a 64-byte signature, so an unkeyed hash
 * reveals nothing guessable.
 */
import { hash } from 'node:crypto';

/** Hex SHA-256 of the token: the cache key. */
export function tokenDigest(token: string): string {
  return hash('sha256', token, 'hex');
}

/** A short hash for logs and audit lines (first 16 hex digits of the digest). */
export function tokenHash(token: string): string {
  return shortHash(tokenDigest(token));
}

/** tokenHash() from an already computed tokenDigest(). */
export function shortHash(digest: string): string {
  return digest.slice(0, 16);
}
