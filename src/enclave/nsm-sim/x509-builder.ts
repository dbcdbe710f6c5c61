/**
 * Builds the small ES384 X.509 v3 certificates of the simulated NSM's test PKI (root → zonal CA →
 * per-document leaf), shaped like AWS's: P-384 keys, ecdsa-with-SHA384, critical basicConstraints and
 * keyUsage. TEST ONLY: nothing here is ever trusted by the AWS-rooted verifier.
 */
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { der } from '../attestation/der.ts';
import { OID } from '../attestation/x509.ts';

/** A distinguished name as ordered (attribute OID, value) pairs. */
export type NameSpec = ReadonlyArray<readonly [oid: string, value: string]>;

export interface CertificateSpec {
  subject: NameSpec;
  issuer: NameSpec;
  notBefore: Date;
  notAfter: Date;
  /** The certified key (public). */
  subjectKey: KeyObject;
  /** The issuer's private key (the subject's own for a self-signed root). */
  signingKey: KeyObject;
  /** CA certificates get cA and keyCertSign; leaves get digitalSignature only. */
  ca: boolean;
  pathLen?: number;
  /** Tests of the verifier only: keyUsage bits of the first octet (0x80 digitalSignature, 0x04 keyCertSign), null for none. */
  keyUsageBits?: number | null;
  /** Tests of the verifier only: leave basicConstraints out. */
  omitBasicConstraints?: boolean;
}

const ALGORITHM = der.sequence(der.oid(OID.ECDSA_WITH_SHA384));

export function buildCertificate(spec: CertificateSpec): Uint8Array {
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(serialNumber()),
    ALGORITHM,
    encodeName(spec.issuer),
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    encodeName(spec.subject),
    new Uint8Array(spec.subjectKey.export({ type: 'spki', format: 'der' })),
    der.explicit(3, der.sequence(...extensions(spec))),
  );
  const signature = sign('sha384', tbs, { key: spec.signingKey, dsaEncoding: 'der' });
  return der.sequence(tbs, ALGORITHM, der.bitString(signature));
}

/** 16 random bytes with the top bit cleared: a positive INTEGER of at most 20 octets (RFC 5280 4.1.2.2). */
function serialNumber(): Uint8Array {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return serial;
}

function encodeName(name: NameSpec): Uint8Array {
  return der.sequence(
    ...name.map(([oid, value]) =>
      der.set(der.sequence(der.oid(oid), oid === OID.COUNTRY ? der.printable(value) : der.utf8(value))),
    ),
  );
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return der.sequence(der.oid(oid), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

function basicConstraints(spec: CertificateSpec): Uint8Array {
  const body = spec.ca
    ? der.sequence(der.boolean(true), ...(spec.pathLen === undefined ? [] : [der.smallInteger(spec.pathLen)]))
    : der.sequence(); // cA defaults to FALSE
  return extension(OID.BASIC_CONSTRAINTS, true, body);
}

function extensions(spec: CertificateSpec): Uint8Array[] {
  // CA: digitalSignature (0x80), keyCertSign (0x04), cRLSign (0x02); leaf: digitalSignature only.
  const bits = spec.keyUsageBits === undefined ? (spec.ca ? 0x86 : 0x80) : spec.keyUsageBits;
  return [
    ...(spec.omitBasicConstraints ? [] : [basicConstraints(spec)]),
    ...(bits === null ? [] : [extension(OID.KEY_USAGE, true, namedBits(bits))]),
  ];
}

/** A one-octet named-bit BIT STRING: DER drops trailing zero bits and counts them as unused. */
function namedBits(bits: number): Uint8Array {
  if (bits === 0) return der.bitString(new Uint8Array(0));
  let unused = 0;
  while (((bits >> unused) & 1) === 0) unused++;
  return der.bitString(Uint8Array.of(bits), unused);
}
