/**
 * One interface for the two sources of attestation documents, chosen by configuration
 * (`attestation.nsm`): the real NSM on /dev/nsm inside a Nitro Enclave (opened here), or the simulated
 * NSM for local runs and tests (src/enclave/nsm-sim/open.ts), whose documents chain to a generated TEST
 * root and never verify against AWS's. This module never imports the simulator: only the attestation
 * route loads it, and only when the configuration asks for it (the lint rule `nsm-sim-door`).
 */
import { DeviceNsm, NSM_DEVICE_PATH } from './device.ts';

import type { AttestationRequest } from './protocol.ts';

export { NsmError, type AttestationRequest } from './protocol.ts';

export interface Nsm {
  readonly kind: 'device' | 'simulated';
  /** The COSE_Sign1 attestation document for this request. */
  attest(request: AttestationRequest): Uint8Array;
  close(): void;
}

export interface NsmSettings {
  nsm: 'device';
  device?: string;
}

export function openNsm(settings: NsmSettings): Nsm {
  return new DeviceNsm(settings.device ?? NSM_DEVICE_PATH);
}
