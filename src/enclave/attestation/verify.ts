/**
 * verifyNitroDocument: the full check of an attestation document, in this order (docs/attestation.md):
 * 1. parse (COSE_Sign1 shape, ES384 header, payload schema);
 * 2. trust: cabundle[0] is a pinned root byte for byte, each certificate down to the leaf is issued
 *    and signed by the one above it, has the right CA/key-usage constraints and is valid at `at`;
 * 3. the COSE signature over the exact payload bytes verifies with the leaf key;
 * 4. bindings the caller asked for: PCRs, nonce, public key (constant-time comparisons).
 */
import { constantTimeEqual, sha256Hex, toHex } from './bytes.ts';
import { verifyCertificateChain } from './chain.ts';
import { verifyCoseSignature } from './cose.ts';
import { parseNitroDocument } from './document.ts';
import { fail } from './errors.ts';
import { resolveRoots } from './roots.ts';
import type { CertificateSummary, ParsedDocument, VerifiedDocument, AttestationVerifyOptions } from './types.ts';
import type { Certificate } from './x509.ts';

export function verifyNitroDocument(bytes: Uint8Array, options: AttestationVerifyOptions): VerifiedDocument {
  const atMs = options.at.getTime();
  if (!Number.isFinite(atMs)) throw new TypeError('verifyNitroDocument: `at` is not a valid date');
  const roots = resolveRoots(options.roots);

  const doc = parseNitroDocument(bytes);
  const chain = verifyCertificateChain(doc.certificate, doc.cabundle, roots, Math.floor(atMs / 1000), {
    requireRootInBundle: true,
  });
  verifyCoseSignature(doc.cose, chain[chain.length - 1]!);
  checkBindings(doc, options);

  return {
    ...doc,
    chain: chain.map(summarize),
    rootSha256: sha256Hex(doc.cabundle[0]!),
    publicKeySha256: doc.publicKey ? sha256Hex(doc.publicKey) : null,
  };
}

function checkBindings(doc: ParsedDocument, options: AttestationVerifyOptions): void {
  for (const [index, expected] of options.expectedPcrs ?? []) {
    const actual = doc.pcrs.get(index);
    if (!actual) fail('PCR_MISMATCH', `PCR${index} is not in the document`);
    if (!constantTimeEqual(actual, expected)) {
      fail('PCR_MISMATCH', `PCR${index} is ${toHex(actual)}, expected ${toHex(expected)}`);
    }
  }
  if (options.nonce !== undefined) {
    if (!doc.nonce) fail('NONCE_MISMATCH', 'the document carries no nonce');
    if (!constantTimeEqual(doc.nonce, options.nonce)) fail('NONCE_MISMATCH', 'the document nonce differs from the one sent');
  }
  if (options.publicKey !== undefined) {
    if (!doc.publicKey) fail('PUBLIC_KEY_MISMATCH', 'the document carries no public_key');
    if (!constantTimeEqual(doc.publicKey, options.publicKey)) {
      fail(
        'PUBLIC_KEY_MISMATCH',
        `the attested key (sha256 ${sha256Hex(doc.publicKey)}) is not the key seen (sha256 ${sha256Hex(options.publicKey)})`,
      );
    }
  }
}

function summarize(cert: Certificate): CertificateSummary {
  return {
    subject: cert.subjectText,
    notBefore: new Date(cert.notBefore * 1000),
    notAfter: new Date(cert.notAfter * 1000),
    sha256: sha256Hex(cert.der),
  };
}
