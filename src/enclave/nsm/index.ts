/**
 * One interface for the two sources of attestation documents, chosen by configuration
 * (`attestation.nsm`): the real NSM on /dev/nsm inside a Nitro Enclave, or the simulated NSM for local
 * runs and tests, whose documents chain to a generated TEST root and never verify against AWS's.
 */
import { readFileSync } from 'node:fs';
import { SimulatedNsm, type SimulatedNsmState } from '../nsm-sim/index.ts';
import { DeviceNsm, NSM_DEVICE_PATH } from './device.ts';

import type { AttestationRequest } from './protocol.ts';

export { NsmError, type AttestationRequest } from './protocol.ts';

export interface Nsm {
  readonly kind: 'device' | 'simulated';
  /** The COSE_Sign1 attestation document for this request. */
  attest(request: AttestationRequest): Uint8Array;
  close(): void;
}

export type NsmSettings =
  | { nsm: 'device'; device?: string }
  /** `stateFile`: a SimulatedNsm state (JSON, from `toState()`), so tests know the TEST root to trust. */
  | { nsm: 'simulated'; stateFile: string };

export function openNsm(settings: NsmSettings): Nsm {
  if (settings.nsm === 'device') return new DeviceNsm(settings.device ?? NSM_DEVICE_PATH);
  return simulatedNsm(SimulatedNsm.fromState(readState(settings.stateFile)));
}

export function simulatedNsm(nsm: SimulatedNsm): Nsm {
  return {
    kind: 'simulated',
    attest: (request) => nsm.attest(request),
    close: () => {},
  };
}

function readState(file: string): SimulatedNsmState {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SimulatedNsmState;
  } catch (error) {
    throw new Error(`cannot read the simulated NSM state ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}
