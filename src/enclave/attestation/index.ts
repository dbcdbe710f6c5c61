/**
 * AWS Nitro Enclaves attestation documents: strict parsing and full verification against the pinned AWS
 * root. sui-sim's mirror of `sui::nitro_attestation` (src/sim/nitro-attestation.ts) is built on these
 * pieces; nothing here imports the sim. See docs/attestation.md.
 */
export { parseNitroDocument } from './document.ts';
export { verifyNitroDocument } from './verify.ts';
export { AttestationError, type AttestationErrorCode } from './errors.ts';
export { AWS_NITRO_ROOT_G1_PEM, AWS_NITRO_ROOT_G1_SHA256, awsNitroRootDer, pemCertificatesToDer, type RootInput } from './roots.ts';
export type {
  AttestationPayload,
  CertificateSummary,
  CoseSign1,
  ParsedDocument,
  VerifiedDocument,
  AttestationVerifyOptions,
} from './types.ts';
