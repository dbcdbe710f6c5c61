/**
 * Just enough X.509 v3 to check the Nitro certificate chain: names (raw DER, compared byte for byte),
 * validity, the public key, keyUsage and basicConstraints, and the ecdsa-with-SHA384 signature.
 * node:crypto does the cryptography; this module only reads the structure, strictly.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import {
  DerError,
  TAG,
  contextTag,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallUint,
  decodeTime,
  expectTag,
  readChildren,
  readSingle,
  type DerNode,
} from './der.ts';
import { AttestationError, fail } from './errors.ts';

export const OID = {
  ECDSA_WITH_SHA384: '1.2.840.10045.4.3.3',
  EC_PUBLIC_KEY: '1.2.840.10045.2.1',
  SECP384R1: '1.3.132.0.34',
  SUBJECT_KEY_ID: '2.5.29.14',
  KEY_USAGE: '2.5.29.15',
  BASIC_CONSTRAINTS: '2.5.29.19',
  AUTHORITY_KEY_ID: '2.5.29.35',
  COMMON_NAME: '2.5.4.3',
  COUNTRY: '2.5.4.6',
  LOCALITY: '2.5.4.7',
  STATE: '2.5.4.8',
  ORGANIZATION: '2.5.4.10',
  ORGANIZATIONAL_UNIT: '2.5.4.11',
} as const;

const ATTRIBUTE_NAMES: Record<string, string> = {
  [OID.COMMON_NAME]: 'CN',
  [OID.COUNTRY]: 'C',
  [OID.LOCALITY]: 'L',
  [OID.STATE]: 'ST',
  [OID.ORGANIZATION]: 'O',
  [OID.ORGANIZATIONAL_UNIT]: 'OU',
};

export interface KeyUsage {
  critical: boolean;
  digitalSignature: boolean;
  keyCertSign: boolean;
}

export interface BasicConstraints {
  critical: boolean;
  ca: boolean;
  pathLen: number | null;
}

export interface Certificate {
  /** Where the certificate came from, for messages: "certificate", "cabundle[1]", "root". */
  label: string;
  der: Uint8Array;
  tbs: Uint8Array;
  signatureAlgorithm: string;
  /** DER ECDSA-Sig-Value from the signature BIT STRING. */
  signature: Uint8Array;
  /** Raw DER of the issuer and subject Names: chaining compares these byte for byte. */
  issuer: Uint8Array;
  subject: Uint8Array;
  subjectText: string;
  /** Validity window in unix seconds, both ends inclusive (RFC 5280 4.1.2.5). */
  notBefore: number;
  notAfter: number;
  spki: Uint8Array;
  publicKey: KeyObject;
  keyUsage: KeyUsage | null;
  basicConstraints: BasicConstraints | null;
}

/** Parses one DER certificate; any structural problem is MALFORMED_CERTIFICATE naming `label`. */
export function parseCertificate(der: Uint8Array, label: string): Certificate {
  try {
    return parseStructure(der, label);
  } catch (error) {
    if (error instanceof AttestationError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return fail('MALFORMED_CERTIFICATE', `${label}: ${reason}`);
  }
}

function parseStructure(der: Uint8Array, label: string): Certificate {
  const [tbsNode, outerAlg, sigNode, ...extra] = readChildren(readSingle(der, TAG.SEQUENCE));
  if (extra.length) throw new DerError('certificate has more than three elements');
  expectTag(tbsNode, TAG.SEQUENCE);
  const signatureAlgorithm = algorithmOid(expectTag(outerAlg, TAG.SEQUENCE));
  const sig = decodeBitString(expectTag(sigNode, TAG.BIT_STRING));
  if (sig.unusedBits !== 0) throw new DerError('signature BIT STRING has unused bits');

  const tbs = readChildren(tbsNode!);
  let i = 0;
  const version = tbs[i]?.tag === contextTag(0) ? decodeSmallUint(readSingle(tbs[i++]!.value)) : 0;
  if (version !== 2) throw new DerError('only X.509 v3 certificates are accepted');
  expectTag(tbs[i++], TAG.INTEGER); // serial number: not used
  const innerAlg = expectTag(tbs[i++], TAG.SEQUENCE);
  if (Buffer.compare(innerAlg.raw, outerAlg!.raw) !== 0) throw new DerError('inner and outer signature algorithms differ');
  const issuer = expectTag(tbs[i++], TAG.SEQUENCE);
  const [nb, na, ...more] = readChildren(expectTag(tbs[i++], TAG.SEQUENCE));
  if (!nb || !na || more.length) throw new DerError('validity must hold exactly two times');
  const subject = expectTag(tbs[i++], TAG.SEQUENCE);
  const spki = expectTag(tbs[i++], TAG.SEQUENCE);
  // issuerUniqueID [1] and subjectUniqueID [2] (IMPLICIT, primitive) are allowed and ignored.
  if (tbs[i]?.tag === 0x81) i++;
  if (tbs[i]?.tag === 0x82) i++;
  const extensions = tbs[i]?.tag === contextTag(3) ? parseExtensions(tbs[i++]!) : new Map<string, Extension>();
  if (i !== tbs.length) throw new DerError('unexpected element in TBSCertificate');

  return {
    label,
    der,
    tbs: tbsNode!.raw,
    signatureAlgorithm,
    signature: sig.bytes,
    issuer: issuer.raw,
    subject: subject.raw,
    subjectText: nameToText(subject),
    notBefore: decodeTime(nb),
    notAfter: decodeTime(na),
    spki: spki.raw,
    publicKey: createPublicKey({ key: Buffer.from(spki.raw), format: 'der', type: 'spki' }),
    keyUsage: keyUsageOf(extensions.get(OID.KEY_USAGE)),
    basicConstraints: basicConstraintsOf(extensions.get(OID.BASIC_CONSTRAINTS)),
  };
}

function algorithmOid(node: DerNode): string {
  const [oid, ...params] = readChildren(node);
  const dotted = decodeOid(expectTag(oid, TAG.OID));
  // ECDSA AlgorithmIdentifiers carry no parameters (RFC 5758 3.2).
  if (dotted.startsWith('1.2.840.10045.4.') && params.length) throw new DerError('ECDSA algorithm with parameters');
  return dotted;
}

interface Extension {
  critical: boolean;
  value: Uint8Array;
}

function parseExtensions(wrapper: DerNode): Map<string, Extension> {
  const list = readChildren(readSingle(wrapper.value, TAG.SEQUENCE));
  const out = new Map<string, Extension>();
  for (const ext of list) {
    const parts = readChildren(expectTag(ext, TAG.SEQUENCE));
    if (parts.length < 2 || parts.length > 3) throw new DerError('malformed extension');
    const oid = decodeOid(expectTag(parts[0], TAG.OID));
    const critical = parts.length === 3 ? decodeBoolean(parts[1]!) : false;
    const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING).value;
    if (out.has(oid)) throw new DerError(`extension ${oid} appears twice`); // RFC 5280 4.2
    out.set(oid, { critical, value });
  }
  return out;
}

function keyUsageOf(ext: Extension | undefined): KeyUsage | null {
  if (!ext) return null;
  const { bytes } = decodeBitString(readSingle(ext.value));
  const first = bytes[0] ?? 0;
  return { critical: ext.critical, digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0 };
}

function basicConstraintsOf(ext: Extension | undefined): BasicConstraints | null {
  if (!ext) return null;
  const parts = readChildren(readSingle(ext.value, TAG.SEQUENCE));
  let i = 0;
  const ca = parts[i]?.tag === TAG.BOOLEAN ? decodeBoolean(parts[i++]!) : false;
  const pathLen = parts[i]?.tag === TAG.INTEGER ? decodeSmallUint(parts[i++]!) : null;
  if (i !== parts.length) throw new DerError('malformed basicConstraints');
  return { critical: ext.critical, ca, pathLen };
}

/** "CN=..., O=..." for messages only; chaining never uses this text. */
function nameToText(name: DerNode): string {
  const parts: string[] = [];
  for (const rdn of readChildren(name)) {
    for (const atv of readChildren(expectTag(rdn, TAG.SET))) {
      const [type, value] = readChildren(expectTag(atv, TAG.SEQUENCE));
      const oid = decodeOid(expectTag(type, TAG.OID));
      const text = value ? Buffer.from(value.value).toString('utf8') : '';
      parts.push(`${ATTRIBUTE_NAMES[oid] ?? oid}=${text}`);
    }
  }
  return parts.join(', ');
}

/** True when `key` is an ECDSA P-384 key (all keys of the Nitro PKI are). */
export function isP384(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'secp384r1';
}

/** Whether `cert` carries a valid ecdsa-with-SHA384 signature by `issuerKey` (a P-384 key). */
export function isSignedBy(cert: Certificate, issuerKey: KeyObject): boolean {
  if (cert.signatureAlgorithm !== OID.ECDSA_WITH_SHA384 || !isP384(issuerKey)) return false;
  try {
    return verify('sha384', cert.tbs, { key: issuerKey, dsaEncoding: 'der' }, cert.signature);
  } catch {
    return false; // malformed DER signature: not a valid signature
  }
}
