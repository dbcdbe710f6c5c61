/** Shared builders for the chain unit tests: schema-encoded objects and events of a fake package. */
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { SealToken, StakeRecord } from '../../../src/chain/schema.ts';

export const PKG = normalizeSuiAddress('0xda');
export const OTHER_PKG = normalizeSuiAddress('0xbad');
export const POOL = normalizeSuiAddress('0x9001');
export const ALICE = normalizeSuiAddress('0xa11ce');
export const BOB = normalizeSuiAddress('0xb0b');

export function id(n: number): string {
  return normalizeSuiAddress(`0x${n.toString(16)}`);
}

export function stakeRecordBytes(recordId: string, overrides: Partial<Record<string, unknown>> = {}): Uint8Array {
  return StakeRecord.serialize({
    id: recordId,
    version: 1n,
    pool_id: POOL,
    staker: ALICE,
    node_id: 'worker-1',
    amount: 2_000_000_000n,
    kind: 0,
    status: 0,
    staked_epoch: 3n,
    unlock_epoch: 10n,
    slashed_amount: 0n,
    ...overrides,
  } as never).toBytes();
}

export function sealTokenBytes(tokenId: string, recordId: string): Uint8Array {
  return SealToken.serialize({
    id: tokenId,
    stake_record: recordId,
    owner: ALICE,
    node_id: 'worker-1',
    permissions: ['nodes:write', 'pods:write'],
    issued_epoch: 5n,
    expires_epoch: 105n,
  }).toBytes();
}
