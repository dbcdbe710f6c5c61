/**
 * The simulated NSM behind the product's `Nsm` interface (src/enclave/nsm): what the attestation route
 * opens when `attestation.nsm` is `simulated`. It sits with the simulator, not with the device, so the
 * product's NSM module never reaches the simulator.
 */
import { readFileSync } from 'node:fs';
import type { Nsm } from '../nsm/index.ts';
import { SimulatedNsm, type SimulatedNsmState } from './index.ts';

/** `stateFile`: a SimulatedNsm state (JSON, from `toState()`), so tests know the TEST root to trust. */
export function openSimulatedNsm(stateFile: string): Nsm {
  return simulatedNsm(SimulatedNsm.fromState(readState(stateFile)));
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
