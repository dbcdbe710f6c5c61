/**
 * `sui::nitro_attestation::load_nitro_attestation` for the executor: the sim's mirror of Sui's native
 * (nitro-attestation.ts, built on the verifier library in src/enclave/attestation), trusting the pinned
 * AWS Nitro root as Sui does, plus any extra roots the sim was started with explicitly (the simulated NSM's root for local runs;
 * never by default, so a simulated document never verifies on a default sim).
 */
import { awsNitroRootDer, type RootInput } from '../enclave/attestation/index.ts';
import { loadNitroAttestationForSim } from './nitro-attestation.ts';
import type { NitroAttestation } from './package/api.ts';

export type NitroLoader = (document: Uint8Array, clockTimestampMs: bigint) => NitroAttestation;

export function nitroLoader(extraRoots: readonly RootInput[] = []): NitroLoader {
  const roots = extraRoots.length === 0 ? undefined : [awsNitroRootDer(), ...extraRoots];
  return (document, clockTimestampMs) => loadNitroAttestationForSim(document, clockTimestampMs, roots);
}
