/** What a validator decides; the router turns it into an AdmissionReview response. */
export type Decision =
  | { allowed: true; warnings?: string[] }
  | { allowed: false; message: string; code: number; reason: string };

export const ALLOW: Decision = { allowed: true };

export function refuse(message: string, code = 403, reason = 'Forbidden'): Decision {
  return { allowed: false, message, code, reason };
}

/** The chain could not be read: refuse (fail closed) but say it is worth retrying. */
export function unavailable(message: string): Decision {
  return refuse(message, 503, 'ServiceUnavailable');
}
