/**
 * What GET /attestation takes and binds, as pure functions: the caller's nonce (hex, 1..512 bytes),
 * the `user_data` (which chain package and clusters this webhook serves), and the DER SPKI of the
 * TLS certificate it presents. `attestation fetch` reads user_data back with the same code.
 */
import { X509Certificate } from 'node:crypto';
import { DOCUMENT_LIMITS } from '../attestation/types.ts';

export const ATTESTATION_PATH = '/attestation';

/** The nonce query parameter: hex only, even length, 1..512 bytes; anything else is a 400. */
export function parseNonceParam(value: unknown): { nonce: Uint8Array } | { error: string } {
  if (typeof value !== 'string' || value === '') return { error: 'nonce is required: ?nonce=<hex>' };
  if (value.length > DOCUMENT_LIMITS.maxNonce * 2) return { error: `nonce is longer than ${DOCUMENT_LIMITS.maxNonce} bytes` };
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(value)) return { error: 'nonce must be hex (an even number of 0-9a-f)' };
  return { nonce: new Uint8Array(Buffer.from(value, 'hex')) };
}

/** The document's `user_data`: which deployment this enclave serves (v1, compact JSON). */
export interface EnclaveUserData {
  v: 1;
  /** The daas Move package the webhook checks tokens against. */
  packageId: string;
  /** The cluster ids (token `aud`) it serves. */
  clusters: string[];
}

export function encodeUserData(data: EnclaveUserData): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify({ v: data.v, packageId: data.packageId, clusters: data.clusters }));
  if (bytes.length > DOCUMENT_LIMITS.maxUserData) {
    throw new Error(`attestation user_data (package id and cluster ids) is ${bytes.length} bytes; the NSM allows ${DOCUMENT_LIMITS.maxUserData}`);
  }
  return bytes;
}

/** Strict: exactly the three fields, of the right types; null when the bytes are not ours. */
export function decodeUserData(bytes: Uint8Array | null): EnclaveUserData | null {
  if (!bytes) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  const clusters = o.clusters;
  if (keys !== 'clusters,packageId,v' || o.v !== 1 || typeof o.packageId !== 'string') return null;
  if (!Array.isArray(clusters) || !clusters.every((c) => typeof c === 'string')) return null;
  return { v: 1, packageId: o.packageId, clusters: clusters as string[] };
}

/** The DER SubjectPublicKeyInfo of a PEM certificate: the key a TLS client sees. */
export function spkiOfCertificate(pem: string | Buffer): Uint8Array {
  return new Uint8Array(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }));
}
