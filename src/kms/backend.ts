/**
 * Where KEKs come from and where a rotation leaves them. One interface, two backends:
 *
 * - `file` (file-backend.ts): a keyring file (0600) on local disk, for development and tests. The KEK is
 *   as safe as the file: anyone who reads it and etcd reads every Secret.
 * - `enclave` (enclave-backend.ts): the plugin runs inside the Nitro Enclave and generates its KEK there;
 *   the key exists only in the enclave's memory and never leaves it (docs/kms.md: what a restart means).
 */
import type { Keyring } from './keyring.ts';

export interface KekBackend {
  readonly kind: 'file' | 'enclave';
  /** The ring to serve with at start. */
  load(): Promise<Keyring>;
  /** Makes a new KEK current and keeps it (persisting first where the backend persists), old keys kept. */
  rotate(ring: Keyring): Promise<Keyring>;
}
