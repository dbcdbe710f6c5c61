import { POOL_DEFAULTS, StakePool } from '../../../src/chain/schema.ts';
import {
  decodeSealToken,
  decodeStakePool,
  decodeStakeRecord,
  isExpired,
  isPackageType,
  toJsonView,
  type RawObject,
} from '../../../src/chain/objects.ts';
import { ALICE, OTHER_PKG, PKG, POOL, id, sealTokenBytes, stakeRecordBytes } from './fixtures.ts';

const recordId = id(0x100);
const tokenId = id(0x200);

function raw(over: Partial<RawObject>): RawObject {
  return { objectId: recordId, type: `${PKG}::staking::StakeRecord`, version: '7', addressOwner: null, content: stakeRecordBytes(recordId), ...over };
}

describe('decodeStakeRecord', () => {
  test('decodes every field of a StakeRecord of our package', () => {
    expect(decodeStakeRecord(raw({}), PKG)).toEqual({
      id: recordId,
      poolId: POOL,
      staker: ALICE,
      nodeId: 'worker-1',
      amount: 2_000_000_000n,
      kind: 'node',
      status: 'active',
      stakedEpoch: 3n,
      unlockEpoch: 10n,
      slashedAmount: 0n,
      version: '7',
    });
  });

  test('maps kind and status values to names', () => {
    const view = decodeStakeRecord(raw({ content: stakeRecordBytes(recordId, { kind: 2, status: 1, node_id: '' }) }), PKG);
    expect(view).toMatchObject({ kind: 'admin', status: 'slashed', nodeId: '' });
  });

  test('accepts the short form of the package address in the type', () => {
    expect(decodeStakeRecord(raw({ type: '0xda::staking::StakeRecord' }), PKG)).not.toBeNull();
  });

  test.each([
    ['another package', `${OTHER_PKG}::staking::StakeRecord`],
    ['another module', `${PKG}::seal::StakeRecord`],
    ['another struct', `${PKG}::staking::StakePool`],
    ['a generic instance', `${PKG}::staking::StakeRecord<u8>`],
    ['garbage', 'not a type'],
  ])('is null for %s', (_what, type) => {
    expect(decodeStakeRecord(raw({ type }), PKG)).toBeNull();
  });

  test('refuses trailing bytes', () => {
    const content = new Uint8Array([...stakeRecordBytes(recordId), 0]);
    expect(() => decodeStakeRecord(raw({ content }), PKG)).toThrow(/malformed StakeRecord/);
  });

  test('refuses truncated content', () => {
    expect(() => decodeStakeRecord(raw({ content: stakeRecordBytes(recordId).slice(0, 40) }), PKG)).toThrow(/malformed/);
  });

  test('refuses an unknown status value', () => {
    expect(() => decodeStakeRecord(raw({ content: stakeRecordBytes(recordId, { status: 9 }) }), PKG)).toThrow(/unknown stake status 9/);
  });

  test('refuses content whose id is not the object id', () => {
    expect(() => decodeStakeRecord(raw({ content: stakeRecordBytes(id(0x999)) }), PKG)).toThrow(/carries id/);
  });
});

describe('decodeSealToken', () => {
  const token = (over: Partial<RawObject> = {}): RawObject => ({
    objectId: tokenId,
    type: `${PKG}::seal::SealToken`,
    version: '3',
    addressOwner: ALICE,
    content: sealTokenBytes(tokenId, recordId),
    ...over,
  });

  test('decodes fields and the object owner', () => {
    expect(decodeSealToken(token(), PKG)).toEqual({
      id: tokenId,
      objectOwner: ALICE,
      stakeRecord: recordId,
      owner: ALICE,
      nodeId: 'worker-1',
      permissions: ['nodes:write', 'pods:write'],
      issuedEpoch: 5n,
      expiresEpoch: 105n,
      version: '3',
    });
  });

  test('objectOwner is null when the token is not address-owned', () => {
    expect(decodeSealToken(token({ addressOwner: null }), PKG)?.objectOwner).toBeNull();
  });

  test('a StakeRecord is not a SealToken', () => {
    expect(decodeSealToken(token({ type: `${PKG}::staking::StakeRecord` }), PKG)).toBeNull();
  });
});

describe('isExpired', () => {
  test('valid before expires_epoch, expired from it on', () => {
    expect(isExpired({ expiresEpoch: 105n }, 104n)).toBe(false);
    expect(isExpired({ expiresEpoch: 105n }, 105n)).toBe(true);
    expect(isExpired({ expiresEpoch: 105n }, 300n)).toBe(true);
  });
});

test('isPackageType compares normalized types exactly', () => {
  expect(isPackageType(`${PKG}::seal::SealToken`, '0xda', 'seal', 'SealToken')).toBe(true);
  expect(isPackageType(`${PKG}::seal::SealTokenX`, PKG, 'seal', 'SealToken')).toBe(false);
});

test('toJsonView turns bigints into strings', () => {
  expect(toJsonView({ a: 1n, b: 'x', c: [1] })).toEqual({ a: '1', b: 'x', c: [1] });
});

describe('decodeStakePool', () => {
  const poolBytes = (overrides: Record<string, unknown> = {}) =>
    StakePool.serialize({
      id: POOL,
      version: 1n,
      vault: 3n,
      treasury: 2n,
      total_staked: 3n,
      record_count: 1n,
      min_stake: [...POOL_DEFAULTS.minStake],
      lockup_epochs: [...POOL_DEFAULTS.lockupEpochs],
      unbonding_epochs: [...POOL_DEFAULTS.unbondingEpochs],
      slash_bps: POOL_DEFAULTS.slashBps,
      ...overrides,
    } as never).toBytes();
  const pool = (over: Partial<RawObject> = {}) => raw({ objectId: POOL, type: `${PKG}::staking::StakePool`, content: poolBytes(), ...over });

  test('decodes the parameters, the treasury and the package version', () => {
    expect(decodeStakePool(pool(), PKG)).toEqual({
      id: POOL,
      packageVersion: 1n,
      vault: 3n,
      treasury: 2n,
      totalStaked: 3n,
      recordCount: 1n,
      minStake: [...POOL_DEFAULTS.minStake],
      lockupEpochs: [...POOL_DEFAULTS.lockupEpochs],
      unbondingEpochs: [...POOL_DEFAULTS.unbondingEpochs],
      slashBps: POOL_DEFAULTS.slashBps,
    });
  });

  test('is null for another type and refuses content carrying another id', () => {
    expect(decodeStakePool(pool({ type: `${OTHER_PKG}::staking::StakePool` }), PKG)).toBeNull();
    expect(decodeStakePool(raw({}), PKG)).toBeNull();
    expect(() => decodeStakePool(pool({ content: poolBytes({ id: recordId }) }), PKG)).toThrow(/carries id/);
  });
});
