/**
 * Pure decoding of our package's objects into the views the product uses. An object counts as ours
 * only when its Move type is exactly `<packageId>::<module>::<Name>` (compared after normalising
 * both), its BCS content decodes with no byte left over, and the decoded id is the object's id.
 */
import type { BcsType } from '@mysten/sui/bcs';
import { normalizeStructTag, normalizeSuiAddress } from '@mysten/sui/utils';
import {
  MODULES,
  SealToken,
  StakeKind,
  StakePool,
  StakeRecord,
  StakeStatus,
  structType,
  type ModuleName,
  type StakeKindName,
  type StakeStatusName,
} from './schema.ts';

/** What the reader needs of an object fetched from a full node. */
export interface RawObject {
  objectId: string;
  /** The Move type as the node reports it. */
  type: string;
  version: string;
  /** The address that owns it, when it is address-owned; null for shared/immutable/object-owned. */
  addressOwner: string | null;
  /** BCS of the Move struct. */
  content: Uint8Array;
}

export interface StakeRecordView {
  id: string;
  poolId: string;
  staker: string;
  nodeId: string;
  amount: bigint;
  kind: StakeKindName;
  status: StakeStatusName;
  stakedEpoch: bigint;
  unlockEpoch: bigint;
  slashedAmount: bigint;
  version: string;
}

export interface StakePoolView {
  id: string;
  /** The package version the pool was last migrated to (PACKAGE_VERSION of the code that runs it). */
  packageVersion: bigint;
  vault: bigint;
  /** Slashed SUI, paid out only by `withdraw_treasury`. */
  treasury: bigint;
  totalStaked: bigint;
  recordCount: bigint;
  /** Indexed by StakeKind, like the next two. */
  minStake: bigint[];
  lockupEpochs: bigint[];
  unbondingEpochs: bigint[];
  slashBps: bigint;
}

export interface SealTokenView {
  id: string;
  /** The object's AddressOwner (who holds it now), or null if not address-owned. */
  objectOwner: string | null;
  stakeRecord: string;
  /** The `owner` field written at mint time. */
  owner: string;
  nodeId: string;
  permissions: string[];
  issuedEpoch: bigint;
  expiresEpoch: bigint;
  version: string;
}

/** True when `type` is exactly our package's `module::name`. */
export function isPackageType(type: string, packageId: string, module: ModuleName, name: string): boolean {
  try {
    return normalizeStructTag(type) === normalizeStructTag(structType(packageId, module, name));
  } catch {
    return false;
  }
}

/** Parses `bytes` with `schema`, refusing trailing or non-canonical bytes (BCS round-trip). */
export function parseExact<T, I>(schema: BcsType<T, I>, bytes: Uint8Array, what: string): T {
  let value: T;
  try {
    value = schema.parse(bytes);
  } catch (error) {
    throw new Error(`malformed ${what}: ${(error as Error).message}`, { cause: error });
  }
  const again = schema.serialize(value as unknown as I).toBytes();
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) {
    throw new Error(`malformed ${what}: ${bytes.length} bytes do not round-trip through the schema`);
  }
  return value;
}

/** Reverse lookup of a u8 enum; an unknown value means the schema and the chain disagree. */
function enumName<K extends string>(values: Readonly<Record<K, number>>, value: number, what: string): K {
  const hit = (Object.entries(values) as Array<[K, number]>).find(([, v]) => v === value);
  if (!hit) throw new Error(`unknown ${what} ${value}`);
  return hit[0];
}

function sameId(a: string, b: string): boolean {
  return normalizeSuiAddress(a) === normalizeSuiAddress(b);
}

export function decodeStakeRecord(obj: RawObject, packageId: string): StakeRecordView | null {
  if (!isPackageType(obj.type, packageId, MODULES.staking, 'StakeRecord')) return null;
  const f = parseExact(StakeRecord, obj.content, `StakeRecord ${obj.objectId}`);
  if (!sameId(f.id, obj.objectId)) throw new Error(`StakeRecord ${obj.objectId} carries id ${f.id}`);
  return {
    id: normalizeSuiAddress(obj.objectId),
    poolId: f.pool_id,
    staker: f.staker,
    nodeId: f.node_id,
    amount: BigInt(f.amount),
    kind: enumName(StakeKind, f.kind, 'stake kind'),
    status: enumName(StakeStatus, f.status, 'stake status'),
    stakedEpoch: BigInt(f.staked_epoch),
    unlockEpoch: BigInt(f.unlock_epoch),
    slashedAmount: BigInt(f.slashed_amount),
    version: obj.version,
  };
}

export function decodeStakePool(obj: RawObject, packageId: string): StakePoolView | null {
  if (!isPackageType(obj.type, packageId, MODULES.staking, 'StakePool')) return null;
  const f = parseExact(StakePool, obj.content, `StakePool ${obj.objectId}`);
  if (!sameId(f.id, obj.objectId)) throw new Error(`StakePool ${obj.objectId} carries id ${f.id}`);
  const big = (values: readonly string[]) => values.map((v) => BigInt(v));
  return {
    id: normalizeSuiAddress(obj.objectId),
    packageVersion: BigInt(f.version),
    vault: BigInt(f.vault),
    treasury: BigInt(f.treasury),
    totalStaked: BigInt(f.total_staked),
    recordCount: BigInt(f.record_count),
    minStake: big(f.min_stake),
    lockupEpochs: big(f.lockup_epochs),
    unbondingEpochs: big(f.unbonding_epochs),
    slashBps: BigInt(f.slash_bps),
  };
}

export function decodeSealToken(obj: RawObject, packageId: string): SealTokenView | null {
  if (!isPackageType(obj.type, packageId, MODULES.seal, 'SealToken')) return null;
  const f = parseExact(SealToken, obj.content, `SealToken ${obj.objectId}`);
  if (!sameId(f.id, obj.objectId)) throw new Error(`SealToken ${obj.objectId} carries id ${f.id}`);
  return {
    id: normalizeSuiAddress(obj.objectId),
    objectOwner: obj.addressOwner === null ? null : normalizeSuiAddress(obj.addressOwner),
    stakeRecord: f.stake_record,
    owner: f.owner,
    nodeId: f.node_id,
    permissions: [...f.permissions],
    issuedEpoch: BigInt(f.issued_epoch),
    expiresEpoch: BigInt(f.expires_epoch),
    version: obj.version,
  };
}

// A SealToken's expiry is a rule of the product, not of the wire format: src/policy/stake.ts.
export { isExpired } from '../policy/stake.ts';

/** JSON-friendly copy of a view (bigints as decimal strings), for `--output json` and logs. */
export function toJsonView<T extends object>(view: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(view).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
}
