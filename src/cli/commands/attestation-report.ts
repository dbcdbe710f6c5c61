/**
 * What `attestation verify` and `attestation fetch` share: reading and decoding a document, the flags
 * (--at, --pcr, --public-key), the verifier call that turns a rejection into the CLI's one-line error,
 * and the text and JSON reports. Both commands import it; neither imports the other.
 */
import { readFileSync } from 'node:fs';
import { createPublicKey, X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { fromHex, sha256Hex, toHex } from '../../enclave/attestation/bytes.ts';
import {
  AWS_NITRO_ROOT_G1_SHA256,
  AttestationError,
  parseNitroDocument,
  verifyNitroDocument,
  type VerifiedDocument,
  type AttestationVerifyOptions,
} from '../../enclave/attestation/index.ts';
import { UserError } from '../errors.ts';
import { outputOf } from '../globals.ts';

export const collect = (value: string, previous: string[]) => [...previous, value];

/** The global --output as the verifier's report format. */
export function outputFormat(cmd: Command): 'text' | 'json' {
  return outputOf(cmd).json ? 'json' : 'text';
}

/** verifyNitroDocument, with a rejection turned into the one-line error (and JSON) the CLI prints. */
export function verifyOrExplain(document: Uint8Array, options: AttestationVerifyOptions, output: 'text' | 'json'): VerifiedDocument {
  try {
    return verifyNitroDocument(document, options);
  } catch (error) {
    if (!(error instanceof AttestationError)) throw error;
    return reject(error.code, error.message, output);
  }
}

function reject(code: string, message: string, output: 'text' | 'json'): never {
  if (output === 'json') process.stdout.write(`${JSON.stringify({ verified: false, code, message })}\n`);
  throw new UserError(`attestation rejected: ${message}`);
}

/** Debug-mode enclaves attest PCR0, PCR1 and PCR2 as all zeros: any code at all can produce such a document. */
export function isDebugMode(doc: VerifiedDocument): boolean {
  return [0, 1, 2].every((i) => {
    const pcr = doc.pcrs.get(i);
    return pcr !== undefined && pcr.every((b) => b === 0);
  });
}

/**
 * Warns when nothing pins the enclave image, and refuses a debug-mode document unless allowed: its
 * signature is real, but it proves nothing about the code that asked for it.
 */
export function checkDebugAndPins(doc: VerifiedDocument, pinned: boolean, allowDebug: boolean, output: 'text' | 'json'): void {
  if (!pinned) process.stderr.write('daas-auth: warning: no --pcr given: any enclave on AWS passes; pin at least PCR0 (nitro-cli build-enclave prints it)\n');
  if (!isDebugMode(doc)) return;
  if (!allowDebug) reject('DEBUG_MODE', 'DEBUG_MODE: the document is from a debug-mode enclave (PCR0-2 all zero); --allow-debug accepts it', output);
  process.stderr.write('daas-auth: warning: debug-mode enclave (PCR0-2 all zero), accepted because of --allow-debug\n');
}

export function readInput(file: string, what: string): Buffer {
  try {
    return file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (error) {
    throw new UserError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * Raw CBOR starts with 0x84 (array of 4) or 0xd2 (tag 18), neither of which is printable text; any
 * other input must be hex or base64 (standard or URL-safe) text, surrounding whitespace ignored.
 */
export function decodeDocumentInput(raw: Uint8Array): Uint8Array {
  if (raw[0] === 0x84 || raw[0] === 0xd2) return new Uint8Array(raw);
  const text = Buffer.from(raw).toString('utf8').trim();
  if (/^(0x)?[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0) return fromHex(text);
  const b64 = text.replace(/\s+/g, '');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || /^[A-Za-z0-9_-]+={0,2}$/.test(b64)) {
    const bytes = Buffer.from(b64, b64.includes('-') || b64.includes('_') ? 'base64url' : 'base64');
    if (bytes.length > 0 && (bytes[0] === 0x84 || bytes[0] === 0xd2)) return new Uint8Array(bytes);
  }
  throw new UserError('the document is neither CBOR (COSE_Sign1), hex nor base64 of one');
}

export function parseAt(value: string, document: Uint8Array): Date {
  if (value === 'now') return new Date();
  if (value === 'document') {
    try {
      return new Date(Number(parseNitroDocument(document).timestampMs));
    } catch (error) {
      throw new UserError(`attestation rejected: ${(error as Error).message}`);
    }
  }
  const at = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (!Number.isFinite(at.getTime()) || !/^\d+$|^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new UserError(`--at ${value}: not an ISO 8601 time, unix milliseconds, "now" or "document"`);
  }
  return at;
}

export function parsePcrFlags(flags: readonly string[]): Map<number, Uint8Array> {
  const pcrs = new Map<number, Uint8Array>();
  for (const flag of flags) {
    const match = /^(\d{1,2})=(.+)$/.exec(flag);
    const index = Number(match?.[1]);
    if (!match || index > 31) throw new UserError(`--pcr ${flag}: expected N=HEX with N in 0..31`);
    if (pcrs.has(index)) throw new UserError(`--pcr ${index} given twice`);
    pcrs.set(index, hexFlag(match[2]!, `--pcr ${index}`));
  }
  return pcrs;
}

export function hexFlag(value: string, what: string): Uint8Array {
  try {
    return fromHex(value, what);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}

/** PEM public key or certificate → DER SPKI; anything else is taken as the exact bytes to compare. */
export function publicKeyFromFile(contents: Buffer): Uint8Array {
  const text = contents.toString('utf8');
  try {
    if (text.includes('-----BEGIN CERTIFICATE-----')) return spki(new X509Certificate(text).publicKey);
    if (text.includes('-----BEGIN PUBLIC KEY-----')) return spki(createPublicKey(text));
  } catch (error) {
    throw new UserError(`--public-key: unreadable PEM (${(error as Error).message})`);
  }
  return new Uint8Array(contents);
}

function spki(key: ReturnType<typeof createPublicKey>): Uint8Array {
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

export function summary(doc: VerifiedDocument, at: Date): string {
  const leaf = doc.chain[doc.chain.length - 1]!;
  const rows: Array<[string, string]> = [
    ['module', doc.moduleId],
    ['time', new Date(Number(doc.timestampMs)).toISOString()],
    ['digest', doc.digest],
    ...[...doc.pcrs].sort(([a], [b]) => a - b).map(([i, v]): [string, string] => [`PCR${i}`, toHex(v)]),
    ['public key', doc.publicKey ? `sha256:${doc.publicKeySha256} (${doc.publicKey.length} bytes)` : 'none'],
    ['user data', doc.userData ? `${doc.userData.length} bytes` : 'none'],
    ['nonce', doc.nonce ? toHex(doc.nonce) : 'none'],
    ['leaf', `${leaf.subject} (valid ${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()})`],
    ['root', `sha256:${doc.rootSha256}${doc.rootSha256 === AWS_NITRO_ROOT_G1_SHA256 ? ' (AWS Nitro Enclaves root G1)' : ''}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  return `verified: attestation document is valid at ${at.toISOString()}\n${lines.join('\n')}\n`;
}

export function toJson(doc: VerifiedDocument, at: Date): Record<string, unknown> {
  return {
    verified: true,
    at: at.toISOString(),
    moduleId: doc.moduleId,
    timestamp: new Date(Number(doc.timestampMs)).toISOString(),
    timestampMs: doc.timestampMs.toString(),
    digest: doc.digest,
    pcrs: Object.fromEntries([...doc.pcrs].map(([i, v]) => [String(i), toHex(v)])),
    publicKey: doc.publicKey ? toHex(doc.publicKey) : null,
    publicKeySha256: doc.publicKeySha256,
    userData: doc.userData ? toHex(doc.userData) : null,
    nonce: doc.nonce ? toHex(doc.nonce) : null,
    tagged: doc.cose.tagged,
    chain: doc.chain.map((c) => ({ ...c, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString() })),
    rootSha256: doc.rootSha256,
    leafSha256: sha256Hex(doc.certificate),
  };
}
