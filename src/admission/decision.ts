/** What a validator decides; the router turns it into an AdmissionReview response. */
export type AdmissionDecision =
  | { allowed: true; warnings?: string[] }
  | { allowed: false; message: string; code: number; reason: string };

export const ALLOW: AdmissionDecision = { allowed: true };

export function refuse(message: string, code = 403, reason = 'Forbidden'): AdmissionDecision {
  return { allowed: false, message, code, reason };
}

/** The chain could not be read: refuse (fail closed) but say it is worth retrying. */
export function unavailable(message: string): AdmissionDecision {
  return refuse(message, 503, 'ServiceUnavailable');
}
