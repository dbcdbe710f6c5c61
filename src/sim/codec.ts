/**
 * The sim's BCS knowledge of Move values: which schema (src/chain/schema.ts) serialises each struct
 * the executor stores, its fully qualified type and abilities, the BCS of a whole object (for its
 * digest, as Sui hashes `Object`), and the JSON rendering the gRPC API returns next to the BCS.
 */
import { bcs, TypeTagSerializer, type BcsType } from '@mysten/sui/bcs';
import { normalizeStructTag, normalizeSuiAddress, parseStructTag, toBase64 } from '@mysten/sui/utils';
import { Coin, STRUCTS, SUI_COIN_TYPE, type ModuleName } from '../chain/schema.ts';
import type { ObjectStructName } from './package/api.ts';
import { objectDigest } from './digest.ts';
import type { SimObject, SimOwner } from './types.ts';

/** 0x2::clock::Clock { id: UID, timestamp_ms: u64 }. */
export const Clock = bcs.struct('Clock', { id: bcs.Address, timestamp_ms: bcs.u64() });

export const SUI_COIN_TYPE_NORMALIZED = normalizeStructTag(SUI_COIN_TYPE);
export const CLOCK_TYPE = normalizeStructTag('0x2::clock::Clock');
export const SUI_TYPE = normalizeStructTag('0x2::sui::SUI');
export const FRAMEWORK_ID = normalizeSuiAddress('0x2');

interface StructInfo {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  schema: BcsType<any, any>;
  /** `store` ability: may leave its module through TransferObjects / public_transfer. */
  store: boolean;
}

const STRUCT_INFO: Record<ObjectStructName, StructInfo> = {
  'staking::AdminCap': { schema: STRUCTS.staking.AdminCap, store: true },
  'staking::StakePool': { schema: STRUCTS.staking.StakePool, store: false },
  'staking::StakeRecord': { schema: STRUCTS.staking.StakeRecord, store: false },
  'seal::SealToken': { schema: STRUCTS.seal.SealToken, store: false },
  'enclave_registry::EnclaveConfig': { schema: STRUCTS.enclave_registry.EnclaveConfig, store: false },
  'enclave_registry::Enclave': { schema: STRUCTS.enclave_registry.Enclave, store: false },
  '0x2::coin::Coin<0x2::sui::SUI>': { schema: Coin, store: true },
  '0x2::clock::Clock': { schema: Clock, store: false },
};

export function isCoinStruct(struct: ObjectStructName): boolean {
  return struct === '0x2::coin::Coin<0x2::sui::SUI>';
}

/** Fully qualified, normalized Move type of a stored struct. */
export function structTypeOf(struct: ObjectStructName, packageId: string): string {
  if (struct.startsWith('0x')) return normalizeStructTag(struct);
  return normalizeStructTag(`${packageId}::${struct}`);
}

/** The struct name of a normalized type, or undefined when the sim does not know it. */
export function structOfType(type: string, packageId: string): ObjectStructName | undefined {
  const normalized = normalizeStructTag(type);
  return (Object.keys(STRUCT_INFO) as ObjectStructName[]).find((s) => structTypeOf(s, packageId) === normalized);
}

export function hasPublicTransfer(struct: ObjectStructName): boolean {
  return STRUCT_INFO[struct].store;
}

export function encodeStruct(struct: ObjectStructName, fields: Record<string, unknown>): Uint8Array {
  return STRUCT_INFO[struct].schema.serialize(fields).toBytes();
}

export function decodeStruct(struct: ObjectStructName, contents: Uint8Array): Record<string, unknown> {
  return STRUCT_INFO[struct].schema.parse(contents) as Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function eventSchema(module: ModuleName, name: string): BcsType<any, any> | undefined {
  const structs = STRUCTS[module] as Record<string, BcsType<unknown, unknown>>;
  return Object.hasOwn(structs, name) ? structs[name] : undefined;
}

/** A coin's balance from its BCS (id: 32 bytes, then the u64). */
export function coinBalance(contents: Uint8Array): bigint {
  return BigInt(Coin.parse(contents).balance);
}

/** The balance of a stored Coin<SUI> object (0 for anything else). */
export function suiBalanceOf(object: SimObject): bigint {
  return object.data.kind === 'move' && object.data.type === SUI_COIN_TYPE_NORMALIZED ? coinBalance(object.data.contents) : 0n;
}

/**
 * JSON rendering of a parsed Move value, as the full node's `json` fields: integers wider than 32
 * bits as decimal strings, addresses and ids as 0x-hex, byte vectors as Base64.
 */
export function toMoveJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return toBase64(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(toMoveJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, toMoveJson(v)]));
  }
  return value;
}

// ---- whole objects -----------------------------------------------------------------------

function ownerBcs(owner: SimOwner): typeof bcs.Owner.$inferInput {
  switch (owner.kind) {
    case 'address':
      return { AddressOwner: owner.address };
    case 'shared':
      return { Shared: { initialSharedVersion: owner.initialVersion } };
    case 'immutable':
      return { Immutable: true };
  }
}

function moveObjectType(type: string): typeof bcs.MoveObjectType.$inferInput {
  if (type === SUI_COIN_TYPE_NORMALIZED) return { GasCoin: true };
  const tag = parseStructTag(type);
  return {
    Other: {
      address: tag.address,
      module: tag.module,
      name: tag.name,
      typeParams: tag.typeParams.map((p) => TypeTagSerializer.parseFromStr(typeof p === 'string' ? p : normalizeStructTag(p), true)),
    },
  };
}

/** BCS of Sui's `Object` (data, owner, previous transaction, storage rebate). */
export function objectBcs(object: Omit<SimObject, 'digest'>): Uint8Array {
  const data: typeof bcs.Data.$inferInput =
    object.data.kind === 'move'
      ? {
          Move: {
            type: moveObjectType(object.data.type),
            hasPublicTransfer: object.data.hasPublicTransfer,
            version: object.version,
            contents: object.data.contents,
          },
        }
      : {
          Package: {
            id: object.id,
            version: object.version,
            moduleMap: new Map(object.data.modules.map((name) => [name, new Uint8Array()])),
            typeOriginTable: [],
            linkageTable: new Map(),
          },
        };
  return bcs.Object.serialize({
    data,
    owner: ownerBcs(object.owner),
    previousTransaction: object.previousTransaction,
    storageRebate: object.storageRebate,
  }).toBytes();
}

/** Completes an object with its digest. */
export function sealObject(object: Omit<SimObject, 'digest'>): SimObject {
  return { ...object, digest: objectDigest(objectBcs(object)) };
}

export { ownerBcs };
