/**
 * The `enclave` KEK backend: this process runs inside the Nitro Enclave (the parent reaches its socket
 * through the vsock relay), and the KEK is generated here, from the enclave's own randomness, and kept
 * only in this process's memory. It is never written, logged or sent anywhere.
 *
 * So an enclave restart loses every KEK, and with them every Secret the apiserver can no longer decrypt
 * from its cache. A real deployment must seal the keyring (e.g. to AWS KMS under a key policy conditioned
 * on the enclave's attestation, PCR0) — that is not built; docs/kms.md says so and what it takes.
 */
import { existsSync } from 'node:fs';
import type { KekBackend } from './backend.ts';
import { generateKek } from './envelope.ts';
import { Keyring } from './keyring.ts';

/** The Nitro Security Module device: present inside an enclave, and nowhere else. */
export const NSM_DEVICE = '/dev/nsm';

export class NotInEnclaveError extends Error {}

/** `allowOutsideEnclave`: for tests and demos on a machine without /dev/nsm (the key is then merely in memory). */
export function enclaveBackend(opts: { allowOutsideEnclave: boolean; nsmDevice?: string }): KekBackend {
  const device = opts.nsmDevice ?? NSM_DEVICE;
  return {
    kind: 'enclave',
    load: async () => {
      if (!existsSync(device) && !opts.allowOutsideEnclave)
        throw new NotInEnclaveError(`${device} is missing: not inside a Nitro Enclave (--outside-enclave runs anyway, the KEK in memory only)`);
      const kek = generateKek();
      return new Keyring([kek], kek.id);
    },
    rotate: async (ring) => ring.rotated(generateKek()),
  };
}
