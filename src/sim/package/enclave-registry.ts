/**
 * Mirror of contracts/sources/enclave_registry.move, plus the framework function its transactions
 * call first: `0x2::nitro_attestation::load_nitro_attestation` (a non-public `entry` function, so a
 * programmable transaction calls it as its own command and passes the verified document on to
 * `register_enclave`). Move unit tests: contracts/tests/enclave_registry_tests.move; this file's:
 * test/unit/sim/package/enclave-registry.test.ts (same case names).
 */
import type { EntryFunctionDescriptor, ExecContext, FrameworkFunctionDescriptor, MoveObject, NitroAttestation, ParamType } from './api.ts';
import { PACKAGE_VERSION } from '../../chain/schema.ts';
import { addU64, assertMove, assertVersion, byMutRef, byRef, entryFunction, migrateVersion, params, pure, sameBytes, u64 } from './move.ts';
import { newObject, STRUCT, type AdminCapFields, type ClockFields, type EnclaveConfigFields, type EnclaveFields } from './objects.ts';

type EnclaveConfig = MoveObject<EnclaveConfigFields>;
type Clock = MoveObject<ClockFields>;

/** PCRs are SHA-384 digests. */
const PCR_LENGTH = 48;

const NITRO_DOCUMENT: ParamType = {
  kind: 'value',
  struct: '0x2::nitro_attestation::NitroAttestationDocument',
  ref: 'value',
};

// ---- init ----------------------------------------------------------------------------------

/** `enclave_registry::init`: a shared config with empty PCRs (nothing can register yet). */
export function enclaveRegistryInit(ctx: ExecContext): { enclaveConfig: EnclaveConfig } {
  const enclaveConfig = newObject<EnclaveConfigFields>(STRUCT.EnclaveConfig, {
    id: ctx.freshId(),
    version: PACKAGE_VERSION,
    pcr0: new Uint8Array(),
    pcr1: new Uint8Array(),
    pcr2: new Uint8Array(),
    pcr_version: 0n,
  });
  ctx.share(enclaveConfig);
  return { enclaveConfig };
}

// ---- entry points --------------------------------------------------------------------------

function setExpectedPcrs(
  ctx: ExecContext,
  _cap: MoveObject<AdminCapFields>,
  config: EnclaveConfig,
  pcr0: Uint8Array,
  pcr1: Uint8Array,
  pcr2: Uint8Array,
): void {
  assertVersion('enclave_registry', 'EWrongVersion', config);
  const sized = [pcr0, pcr1, pcr2].every((pcr) => pcr.length === PCR_LENGTH);
  assertMove(sized, 'enclave_registry', 'EInvalidPcr');

  const c = config.fields;
  c.pcr0 = pcr0;
  c.pcr1 = pcr1;
  c.pcr2 = pcr2;
  c.pcr_version = addU64(c.pcr_version, 1n);
  ctx.emit('enclave_registry', 'EnclavePcrsUpdated', { config_id: config.id, pcr_version: c.pcr_version });
}

function registerEnclave(ctx: ExecContext, config: EnclaveConfig, document: NitroAttestation): void {
  assertVersion('enclave_registry', 'EWrongVersion', config);
  const c = config.fields;
  // A missing PCR never matches; an unset config's empty PCRs match no document's 48-byte PCRs.
  const matches = (index: number, expected: Uint8Array): boolean => {
    const actual = document.pcrs.get(index);
    return actual !== undefined && sameBytes(actual, expected);
  };
  assertMove(matches(0, c.pcr0) && matches(1, c.pcr1) && matches(2, c.pcr2), 'enclave_registry', 'EPcrMismatch');
  const publicKey = document.publicKey;
  assertMove(publicKey !== null && publicKey.length > 0, 'enclave_registry', 'ENoPublicKey');

  const enclave = newObject<EnclaveFields>(STRUCT.Enclave, {
    id: ctx.freshId(),
    config_version: u64(c.pcr_version),
    public_key: publicKey,
    pcr0: c.pcr0,
    registered_by: ctx.sender,
    registered_epoch: ctx.epoch,
    attestation_timestamp_ms: document.timestampMs,
  });
  ctx.emit('enclave_registry', 'EnclaveRegistered', {
    enclave_id: enclave.id,
    public_key: publicKey,
    pcr0: c.pcr0,
    epoch: ctx.epoch,
  });
  ctx.share(enclave);
}

function migrate(ctx: ExecContext, _cap: MoveObject<AdminCapFields>, config: EnclaveConfig): void {
  migrateVersion(ctx, 'enclave_registry', 'ENotUpgrade', config);
}

// ---- descriptors (in the order of the Move source; parameters as Move declares them) ---------

export const ENCLAVE_REGISTRY_FUNCTIONS: EntryFunctionDescriptor[] = [
  entryFunction('enclave_registry', 'set_expected_pcrs', setExpectedPcrs, {
    _cap: byRef(STRUCT.AdminCap),
    config: byMutRef(STRUCT.EnclaveConfig),
    pcr0: pure('vector<u8>'),
    pcr1: pure('vector<u8>'),
    pcr2: pure('vector<u8>'),
  }),
  entryFunction('enclave_registry', 'register_enclave', registerEnclave, {
    config: byRef(STRUCT.EnclaveConfig),
    document: NITRO_DOCUMENT,
  }),
  entryFunction('enclave_registry', 'migrate', migrate, {
    _cap: byRef(STRUCT.AdminCap),
    config: byMutRef(STRUCT.EnclaveConfig),
  }),
];

/** `0x2::nitro_attestation::load_nitro_attestation(attestation, clock)`: verifies and returns the document. */
export const LOAD_NITRO_ATTESTATION: FrameworkFunctionDescriptor = {
  packageId: '0x2',
  module: 'nitro_attestation',
  name: 'load_nitro_attestation',
  params: params({ attestation: pure('vector<u8>'), clock: byRef(STRUCT.Clock) }),
  returns: [NITRO_DOCUMENT],
  run: (ctx, [attestation, clock]) => [
    ctx.loadNitroAttestation(attestation as Uint8Array, u64((clock as Clock).fields.timestamp_ms)),
  ],
};
