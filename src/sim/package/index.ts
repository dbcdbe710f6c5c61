/**
 * sui-sim's mirror of the `daas` Move package (contracts/): every public entry function as a
 * descriptor the executor runs, the framework function the package's transactions call first, and
 * what the modules' `init` functions create at publish time. docs/entry-points.md maps each Move
 * entry point to its mirror and tests.
 */
import type { EntryFunctionDescriptor, ExecContext, FrameworkFunctionDescriptor, MoveObject } from './api.ts';
import { ENCLAVE_REGISTRY_FUNCTIONS, enclaveRegistryInit, LOAD_NITRO_ATTESTATION } from './enclave-registry.ts';
import { SEAL_FUNCTIONS } from './seal.ts';
import { STAKING_FUNCTIONS, stakingInit } from './staking.ts';

/** Every entry point of the package, per module in the order of the Move source. */
export const PACKAGE_FUNCTIONS: EntryFunctionDescriptor[] = [
  ...STAKING_FUNCTIONS,
  ...SEAL_FUNCTIONS,
  ...ENCLAVE_REGISTRY_FUNCTIONS,
];

/** Framework (0x2) functions the mirror implements: only `nitro_attestation::load_nitro_attestation`. */
export const FRAMEWORK_FUNCTIONS: FrameworkFunctionDescriptor[] = [LOAD_NITRO_ATTESTATION];

export function findEntryFunction(module: string, name: string): EntryFunctionDescriptor | undefined {
  return PACKAGE_FUNCTIONS.find((f) => f.module === module && f.name === name);
}

export function findFrameworkFunction(module: string, name: string): FrameworkFunctionDescriptor | undefined {
  return FRAMEWORK_FUNCTIONS.find((f) => f.module === module && f.name === name);
}

export interface GenesisObjects {
  /** Owned by the publisher (`ctx.sender`). */
  adminCap: MoveObject;
  pool: MoveObject;
  enclaveConfig: MoveObject;
}

/**
 * Runs the modules' `init` functions as publishing does, in module order: `staking::init` (the
 * AdminCap to the publisher, the StakePool shared with POOL_DEFAULTS), then
 * `enclave_registry::init` (the EnclaveConfig shared with empty PCRs). `seal` has no `init`.
 */
export function genesisObjects(ctx: ExecContext): GenesisObjects {
  const { adminCap, pool } = stakingInit(ctx);
  const { enclaveConfig } = enclaveRegistryInit(ctx);
  return { adminCap, pool, enclaveConfig };
}
