/**
 * Reading the on-chain enclave registry (contracts/sources/enclave_registry.move): the shared
 * EnclaveConfig (the PCR0-2 an enclave must show) and an Enclave (the TLS key a verified document
 * bound). Writing is ChainWriter.registerEnclave / setExpectedPcrs.
 */
import { normalizeSuiAddress } from '@mysten/sui/utils';
import type { ChainClient } from '../chain/client.ts';
import { ChainTxError, ChainUnavailableError } from '../chain/errors.ts';
import { isPackageType, parseExact } from '../chain/objects.ts';
import { Enclave, EnclaveConfig, MODULES } from '../chain/schema.ts';
import { constantTimeEqual } from './attestation/bytes.ts';

export interface EnclaveConfigView {
  id: string;
  pcr0: Uint8Array;
  pcr1: Uint8Array;
  pcr2: Uint8Array;
  /** How many times the expected PCRs were set (`pcr_version`); an Enclave records the one it registered under. */
  pcrVersion: bigint;
}

export interface EnclaveView {
  id: string;
  configVersion: bigint;
  publicKey: Uint8Array;
  pcr0: Uint8Array;
  registeredBy: string;
  registeredEpoch: bigint;
  attestationTimestampMs: bigint;
}

/** The object's BCS content if it exists and is `<packageId>::enclave_registry::<name>`, else null. */
async function readContent(client: ChainClient, packageId: string, id: string, name: string): Promise<Uint8Array | null> {
  const { objects } = await client.call('getObjects', (c) => c.core.getObjects({ objectIds: [id], include: { content: true } }));
  const object = objects[0];
  if (object === undefined) throw new ChainUnavailableError(`getObjects returned nothing for ${id}`, client.endpoints);
  if (object instanceof Error) {
    if ((object as { code?: unknown }).code === 'notExists') return null;
    throw new ChainUnavailableError(`reading ${id}: ${object.message}`, client.endpoints);
  }
  if (!isPackageType(object.type, packageId, MODULES.enclaveRegistry, name) || !(object.content instanceof Uint8Array)) return null;
  return object.content;
}

export async function readEnclaveConfig(client: ChainClient, packageId: string, id: string): Promise<EnclaveConfigView | null> {
  const content = await readContent(client, packageId, id, 'EnclaveConfig');
  if (!content) return null;
  const f = parseExact(EnclaveConfig, content, `EnclaveConfig ${id}`);
  return { id: normalizeSuiAddress(f.id), pcr0: f.pcr0, pcr1: f.pcr1, pcr2: f.pcr2, pcrVersion: BigInt(f.pcr_version) };
}

export async function readEnclave(client: ChainClient, packageId: string, id: string): Promise<EnclaveView | null> {
  const content = await readContent(client, packageId, id, 'Enclave');
  if (!content) return null;
  const f = parseExact(Enclave, content, `Enclave ${id}`);
  return {
    id: normalizeSuiAddress(f.id),
    configVersion: BigInt(f.config_version),
    publicKey: f.public_key,
    pcr0: f.pcr0,
    registeredBy: normalizeSuiAddress(f.registered_by),
    registeredEpoch: BigInt(f.registered_epoch),
    attestationTimestampMs: BigInt(f.attestation_timestamp_ms),
  };
}

/**
 * Why an on-chain Enclave does not vouch for `publicKey` under the config's current PCRs, or null
 * when it does (same key, same PCR0, registered under the config's current version).
 */
export function enclaveMismatch(enclave: EnclaveView, config: EnclaveConfigView, publicKey: Uint8Array): string | null {
  if (!constantTimeEqual(enclave.publicKey, publicKey)) return `enclave ${enclave.id} holds another public key`;
  if (!constantTimeEqual(enclave.pcr0, config.pcr0)) return `enclave ${enclave.id} was registered under another PCR0`;
  if (enclave.configVersion !== config.pcrVersion) {
    return `enclave ${enclave.id} was registered under PCR version ${enclave.configVersion}, the config is at ${config.pcrVersion}`;
  }
  return null;
}


/** Sui's `nitro_attestation` abort codes (sui-framework nitro_attestation.move), in words. */
const NITRO_ABORT_WORDS: Record<string, string> = {
  '0': 'ENotSupportedError (this network does not support Nitro attestation)',
  '1': 'EParseError (not an attestation document Sui can parse)',
  '2': "EVerifyError (the document does not verify against the chain's roots at the clock time; a simulated document is refused outside a sim started with its root)",
  '3': 'EInvalidPCRsError (the document does not hold PCRs 0-4 and 8)',
};

/** A ChainTxError from `0x2::nitro_attestation`, with its abort named; any other error unchanged. */
export function explainNitroAbort(error: unknown): unknown {
  if (!(error instanceof ChainTxError)) return error;
  const code = /Move abort (\d+) in 0x0*2::nitro_attestation\b/.exec(error.message)?.[1];
  const words = code === undefined ? undefined : NITRO_ABORT_WORDS[code];
  if (!words) return error;
  return new ChainTxError(error.kind, `refused by the chain: nitro_attestation::${words}`, { abort: `nitro_attestation::${words.split(' ')[0]}`, digest: error.digest, cause: error });
}
