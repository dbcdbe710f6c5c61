/** Metrics of GET /attestation (src/enclave/route/). */
import { counter, gauge } from '../metrics/define.ts';

let lastIssuedAtMs: number | undefined;

/** Seconds since the last document the NSM issued; absent until the first one. */
export const attestationAgeSeconds = gauge({
  name: 'attestation_age_seconds',
  help: 'Seconds since GET /attestation last obtained a fresh attestation document from the NSM',
  collect() {
    if (lastIssuedAtMs === undefined) this.reset();
    else this.set((Date.now() - lastIssuedAtMs) / 1000);
  },
});

/** `result`: issued, bad_request, rate_limited, nsm_error. */
export const attestationRequests = counter({
  name: 'attestation_requests_total',
  help: 'GET /attestation requests, by result (issued, bad_request, rate_limited, nsm_error)',
  labelNames: ['result'] as const,
});

export function recordAttestationIssued(atMs = Date.now()): void {
  lastIssuedAtMs = atMs;
}
