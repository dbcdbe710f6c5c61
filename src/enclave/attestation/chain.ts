/**
 * The certificate chain of a Nitro document: leaf `certificate` ← cabundle[n-1] ← … ← cabundle[0] ←
 * pinned root. Per certificate (leaf first, as Sui walks it): keyUsage, basicConstraints, validity at
 * the chosen time, issuer name = next subject (raw DER), and the ecdsa-with-SHA384 signature by the
 * next certificate's key. The last certificate (cabundle[0]) must be issued by a pinned root.
 */
import { bytesEqual, sha256Hex } from './bytes.ts';
import { fail } from './errors.ts';
import { isSignedBy, parseCertificate, type Certificate } from './x509.ts';

export interface ChainPolicy {
  /**
   * true (our verifier): cabundle[0] must BE a pinned root, byte for byte.
   * false (Sui's rule, mirrored by sui-sim): cabundle[0] only has to be issued by a pinned root.
   */
  requireRootInBundle: boolean;
}

/**
 * Verifies the chain at `atSeconds` (unix seconds; validity windows are inclusive at both ends).
 * Returns the parsed certificates root first, leaf last. Errors: MALFORMED_CERTIFICATE,
 * UNTRUSTED_ROOT, CHAIN_INVALID, CERTIFICATE_NOT_VALID_AT_TIME.
 */
export function verifyCertificateChain(
  certificate: Uint8Array,
  cabundle: readonly Uint8Array[],
  roots: readonly Uint8Array[],
  atSeconds: number,
  policy: ChainPolicy,
): Certificate[] {
  if (cabundle.length === 0) fail('CHAIN_INVALID', 'cabundle is empty');
  const bundle = cabundle.map((der, i) => parseCertificate(der, `cabundle[${i}]`));
  const leaf = parseCertificate(certificate, 'certificate');
  const leafFirst = [leaf, ...[...bundle].reverse()];
  const anchors = policy.requireRootInBundle ? [pinnedRootOf(cabundle[0]!, roots, bundle[0]!)] : roots;

  let firstError: unknown;
  for (const [i, der] of anchors.entries()) {
    try {
      checkLinks(leafFirst, parseCertificate(der, `pinned root #${i}`), atSeconds);
      return [...bundle, leaf];
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError;
}

function pinnedRootOf(top: Uint8Array, roots: readonly Uint8Array[], parsed: Certificate): Uint8Array {
  const match = roots.find((root) => bytesEqual(root, top));
  if (!match) {
    fail('UNTRUSTED_ROOT', `cabundle[0] (${parsed.subjectText}, sha256 ${sha256Hex(top)}) is not a pinned root`);
  }
  return match;
}

function checkLinks(leafFirst: readonly Certificate[], root: Certificate, atSeconds: number): void {
  leafFirst.forEach((cert, i) => {
    checkKeyUsage(cert, i);
    checkBasicConstraints(cert, i);
    checkValidity(cert, atSeconds);
    const issuer = leafFirst[i + 1] ?? root;
    if (!bytesEqual(cert.issuer, issuer.subject)) {
      fail('CHAIN_INVALID', `${describe(cert)} is not issued by ${describe(issuer)} (issuer/subject mismatch)`);
    }
    if (!isSignedBy(cert, issuer.publicKey)) {
      fail('CHAIN_INVALID', `${describe(cert)} is not signed (ecdsa-with-SHA384) by ${describe(issuer)}`);
    }
  });
}

/** i = 0 is the leaf (it signs the document); every other certificate signs certificates. */
function checkKeyUsage(cert: Certificate, i: number): void {
  if (!cert.keyUsage) fail('CHAIN_INVALID', `${describe(cert)} has no keyUsage extension`);
  if (i === 0 && !cert.keyUsage.digitalSignature) fail('CHAIN_INVALID', `${describe(cert)} lacks keyUsage digitalSignature`);
  if (i > 0 && !cert.keyUsage.keyCertSign) fail('CHAIN_INVALID', `${describe(cert)} lacks keyUsage keyCertSign`);
}

/** CAs need a critical basicConstraints with cA; pathLen counts the CAs below (RFC 5280 4.2.1.9). */
function checkBasicConstraints(cert: Certificate, i: number): void {
  const bc = cert.basicConstraints;
  if (i === 0) {
    if (bc && (bc.ca || bc.pathLen !== null)) fail('CHAIN_INVALID', `leaf ${describe(cert)} is marked as a CA`);
    return;
  }
  if (!bc || !bc.critical || !bc.ca) fail('CHAIN_INVALID', `${describe(cert)} is not a CA (critical basicConstraints cA)`);
  if (bc.pathLen !== null && i - 1 > bc.pathLen) {
    fail('CHAIN_INVALID', `${describe(cert)} allows ${bc.pathLen} CA(s) below it, the chain has ${i - 1}`);
  }
}

function checkValidity(cert: Certificate, atSeconds: number): void {
  if (atSeconds < cert.notBefore || atSeconds > cert.notAfter) {
    fail(
      'CERTIFICATE_NOT_VALID_AT_TIME',
      `${describe(cert)} is valid ${iso(cert.notBefore)} to ${iso(cert.notAfter)}, not at ${iso(atSeconds)}`,
    );
  }
}

function describe(cert: Certificate): string {
  return `${cert.label} (${cert.subjectText})`;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
