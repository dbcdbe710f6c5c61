/**
 * Wire formats of the AWS Nitro attestation document, in one place.
 * Spec: https://docs.aws.amazon.com/enclaves/latest/user/verify-root.html and
 * https://github.com/aws/aws-nitro-enclaves-nsm-api/blob/main/docs/attestation_process.md
 */
import type { RootInput } from './roots.ts';

/** Size limits of the COSE envelope (the same bounds Sui's verifier applies). */
export const COSE_LIMITS = {
  /** Payload length is 1..16383 bytes. */
  maxPayload: 16383,
  /** ES384 signature: r || s, 48 bytes each. */
  signatureLength: 96,
} as const;

/** Size limits of the attestation document fields, as AWS documents them. */
export const DOCUMENT_LIMITS = {
  maxPublicKey: 1024,
  maxUserData: 512,
  maxNonce: 512,
  /** A DER certificate in `certificate` / `cabundle`: 1..1024 bytes. */
  maxCertificate: 1024,
  /** `cabundle` holds 1..10 certificates (root first). */
  maxCabundle: 10,
  /** `pcrs` holds 1..32 entries, indices 0..31. */
  maxPcrs: 32,
  pcrLengths: [32, 48, 64] as readonly number[],
} as const;

/** The keys of the payload map; any other key is rejected by the strict parser. */
export const PAYLOAD_KEYS = [
  'module_id',
  'digest',
  'timestamp',
  'pcrs',
  'certificate',
  'cabundle',
  'public_key',
  'user_data',
  'nonce',
] as const;

export interface CoseSign1 {
  /** Whether the document carried CBOR tag 18 (both forms are accepted). */
  tagged: boolean;
  /** Exact bytes of the protected header (the bstr content). */
  protectedHeader: Uint8Array;
  unprotected: Map<unknown, unknown>;
  /** Exact payload bytes as received: the signature covers these, never a re-encoding. */
  payload: Uint8Array;
  signature: Uint8Array;
}

/** The attestation document payload map, typed. */
export interface AttestationPayload {
  moduleId: string;
  digest: 'SHA384';
  /** Milliseconds since the UNIX epoch, as the NSM wrote it. */
  timestampMs: bigint;
  /** PCR index → value (48 bytes for SHA384). */
  pcrs: Map<number, Uint8Array>;
  /** Leaf certificate (DER) whose key signed the document. */
  certificate: Uint8Array;
  /** CA bundle, DER, root first: cabundle[0] is the root, the last one issued `certificate`. */
  cabundle: Uint8Array[];
  publicKey: Uint8Array | null;
  userData: Uint8Array | null;
  nonce: Uint8Array | null;
}

export interface ParsedDocument extends AttestationPayload {
  cose: CoseSign1;
}

export interface CertificateSummary {
  subject: string;
  notBefore: Date;
  notAfter: Date;
  sha256: string;
}

export interface VerifiedDocument extends ParsedDocument {
  /** The verified chain, root first, leaf last. */
  chain: CertificateSummary[];
  /** SHA-256 of the pinned root the chain ends in (hex). */
  rootSha256: string;
  /** SHA-256 (hex) of `public_key`, the fingerprint shown to people; null when absent. */
  publicKeySha256: string | null;
}

export interface AttestationVerifyOptions {
  /** The time every certificate must be valid at. Pass the document's own time to check an old capture. */
  at: Date;
  /** Trust anchors (PEM or DER); default: the pinned AWS Nitro root G1. */
  roots?: readonly RootInput[];
  /** PCRs that must be present with exactly these values. */
  expectedPcrs?: ReadonlyMap<number, Uint8Array>;
  /** The nonce the verifier sent; the document must echo it. */
  nonce?: Uint8Array;
  /** DER SubjectPublicKeyInfo of the key the client actually saw (e.g. the TLS key); must equal `public_key`. */
  publicKey?: Uint8Array;
}
