/** The one error type of the verifier: `code` names the check that failed, `message` says why. */

export type AttestationErrorCode =
  /** Not a COSE_Sign1 of the AWS shape (CBOR, tag, array, header/payload/signature sizes). */
  | 'MALFORMED_COSE'
  /** Protected header is not exactly {1: -35} (ES384), or a key is not ECDSA P-384 / ecdsa-with-SHA384. */
  | 'UNSUPPORTED_ALGORITHM'
  /** The attestation document map breaks the AWS schema (missing/unknown field, wrong type or size). */
  | 'MALFORMED_PAYLOAD'
  /** A certificate in `certificate` or `cabundle` is not a well-formed X.509 v3 DER certificate. */
  | 'MALFORMED_CERTIFICATE'
  /** `cabundle[0]` is not (byte for byte) one of the pinned roots. */
  | 'UNTRUSTED_ROOT'
  /** A link of the chain is broken: issuer/subject, signature, CA flag, key usage, path length. */
  | 'CHAIN_INVALID'
  /** A certificate of the chain is not valid at the verification time (expired or not yet valid). */
  | 'CERTIFICATE_NOT_VALID_AT_TIME'
  /** The COSE signature does not verify with the leaf certificate's key. */
  | 'SIGNATURE_INVALID'
  | 'PCR_MISMATCH'
  | 'NONCE_MISMATCH'
  | 'PUBLIC_KEY_MISMATCH';

export class AttestationError extends Error {
  readonly code: AttestationErrorCode;
  constructor(code: AttestationErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'AttestationError';
    this.code = code;
  }
}

export function fail(code: AttestationErrorCode, message: string): never {
  throw new AttestationError(code, message);
}
