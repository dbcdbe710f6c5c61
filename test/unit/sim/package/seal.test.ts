/**
 * The sim's mirror of `daas::seal`, case for case with contracts/tests/seal_tests.move (same
 * names; test/unit/contracts/drift.test.ts holds the two lists equal).
 */
import { StakeKind } from '../../../../src/chain/schema.ts';
import type { SealTokenFields } from '../../../../src/sim/package/objects.ts';
import { ALICE, BOB, expectAbort, FakeChain, obj, requestUnstake, slash, stake, SUI } from './fake-chain.ts';

function createWorker(chain: FakeChain, who: string, recordId: string) {
  return chain.call(who, 'seal::create_worker_seal_token', [obj(recordId)]);
}

function createUser(chain: FakeChain, who: string, recordId: string) {
  return chain.call(who, 'seal::create_user_seal_token', [obj(recordId)]);
}

function revoke(chain: FakeChain, who: string, tokenId: string) {
  return chain.call(who, 'seal::revoke_seal_token', [obj(tokenId)]);
}

const token = (chain: FakeChain, id: string) => chain.fields<SealTokenFields>(id);

describe('seal mirror: create_worker_seal_token', () => {
  test('create_worker_seal_token_mints_token_for_node_stake', () => {
    const chain = new FakeChain();
    chain.epoch = 3n;
    const recordId = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    const result = createWorker(chain, ALICE, recordId);
    expect(result.created).toHaveLength(1);
    const id = result.created[0]!;
    expect(chain.owner(id)).toEqual({ kind: 'address', address: ALICE });
    expect(token(chain, id)).toEqual({
      id,
      stake_record: recordId,
      owner: ALICE,
      node_id: 'worker-1',
      permissions: ['nodes:write', 'pods:write'],
      issued_epoch: '3',
      expires_epoch: '103',
    });
    expect(result.events).toEqual([
      {
        type: 'seal::SealTokenCreated',
        fields: {
          token_id: id,
          record_id: recordId,
          owner: ALICE,
          node_id: 'worker-1',
          issued_epoch: '3',
          expires_epoch: '103',
        },
      },
    ]);
  });

  test('create_worker_seal_token_rejects_other_sender', () => {
    const chain = new FakeChain();
    const recordId = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    expectAbort(() => createWorker(chain, BOB, recordId), 'seal', 'ENotStaker');
  });

  test('create_worker_seal_token_rejects_unbonding_record', () => {
    const chain = new FakeChain();
    const recordId = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    requestUnstake(chain, ALICE, recordId);
    expectAbort(() => createWorker(chain, ALICE, recordId), 'seal', 'ENotActive');
  });

  test('create_worker_seal_token_rejects_slashed_record', () => {
    const chain = new FakeChain();
    const recordId = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    slash(chain, recordId);
    expectAbort(() => createWorker(chain, ALICE, recordId), 'seal', 'ENotActive');
  });

  test('create_worker_seal_token_rejects_user_stake', () => {
    const chain = new FakeChain();
    const recordId = stake(chain, ALICE, SUI, StakeKind.user);
    expectAbort(() => createWorker(chain, ALICE, recordId), 'seal', 'EWrongKind');
  });
});

describe('seal mirror: create_user_seal_token', () => {
  test('create_user_seal_token_mints_token_for_user_stake', () => {
    const chain = new FakeChain();
    const recordId = stake(chain, ALICE, 2n * SUI, StakeKind.user);
    const result = createUser(chain, ALICE, recordId);
    const id = result.created[0]!;
    expect(chain.owner(id)).toEqual({ kind: 'address', address: ALICE });
    expect(token(chain, id)).toMatchObject({
      stake_record: recordId,
      owner: ALICE,
      node_id: '',
      issued_epoch: '0',
      expires_epoch: '100',
    });
    expect(result.events.map((e) => e.type)).toEqual(['seal::SealTokenCreated']);
  });

  test('create_user_seal_token_permissions_follow_stake', () => {
    const chain = new FakeChain();
    const permissionsFor = (kind: number, amount: bigint) => {
      const recordId = stake(chain, ALICE, amount, kind);
      return token(chain, createUser(chain, ALICE, recordId).created[0]!).permissions;
    };
    expect(permissionsFor(StakeKind.user, SUI / 2n)).toEqual(['pods:read', 'services:read']);
    expect(permissionsFor(StakeKind.user, 2n * SUI)).toEqual(['pods:read', 'services:read', 'pods:write', 'services:write']);
    expect(permissionsFor(StakeKind.admin, 5n * SUI)).toEqual([
      'pods:read',
      'services:read',
      'pods:write',
      'services:write',
      'nodes:write',
    ]);
    expect(permissionsFor(StakeKind.admin, 10n * SUI)).toEqual([
      'pods:read',
      'services:read',
      'pods:write',
      'services:write',
      'nodes:write',
      '*:*',
    ]);
  });

  test('create_user_seal_token_rejects_other_sender', () => {
    const chain = new FakeChain();
    const recordId = stake(chain, ALICE, SUI, StakeKind.user);
    expectAbort(() => createUser(chain, BOB, recordId), 'seal', 'ENotStaker');
  });

  test('create_user_seal_token_rejects_slashed_record', () => {
    const chain = new FakeChain();
    const recordId = stake(chain, ALICE, SUI, StakeKind.user);
    slash(chain, recordId);
    expectAbort(() => createUser(chain, ALICE, recordId), 'seal', 'ENotActive');
  });

  test('create_user_seal_token_rejects_record_of_old_version', () => {
    const chain = new FakeChain();
    const recordId = stake(chain, ALICE, SUI, StakeKind.user);
    chain.patch(recordId, { version: 0n });
    expectAbort(() => createUser(chain, ALICE, recordId), 'seal', 'EWrongVersion');
  });

  test('create_user_seal_token_rejects_node_stake', () => {
    const chain = new FakeChain();
    const recordId = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    expectAbort(() => createUser(chain, ALICE, recordId), 'seal', 'EWrongKind');
  });
});

describe('seal mirror: revoke_seal_token', () => {
  test('revoke_seal_token_deletes_token', () => {
    const chain = new FakeChain();
    chain.epoch = 5n;
    const recordId = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    const id = createWorker(chain, ALICE, recordId).created[0]!;
    const result = revoke(chain, ALICE, id);
    expect(result.deleted).toEqual([id]);
    expect(chain.exists(id)).toBe(false);
    expect(result.events).toEqual([
      { type: 'seal::SealTokenRevoked', fields: { token_id: id, record_id: recordId, owner: ALICE, epoch: '5' } },
    ]);
  });

  test('revoke_seal_token_rejects_token_of_someone_else', () => {
    // A SealToken has no `store`, so no transaction can hand it to Bob (test/unit/sim/executor.test.ts
    // shows TransferObjects refused); the check stays as a second line behind the executor's ownership check.
    const chain = new FakeChain();
    const recordId = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    const id = createWorker(chain, ALICE, recordId).created[0]!;
    expectAbort(() => revoke(chain, BOB, id), 'seal', 'ENotOwner');
    expect(chain.exists(id)).toBe(true);
  });
});

describe('seal mirror: expiry', () => {
  test('seal_token_expires_100_epochs_after_issue', () => {
    // Move's `is_expired` is `epoch >= expires_epoch`; the chain reader applies the same rule.
    const chain = new FakeChain();
    chain.epoch = 99n;
    const recordId = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    const id = createWorker(chain, ALICE, recordId).created[0]!;
    expect(token(chain, id)).toMatchObject({ issued_epoch: '99', expires_epoch: '199' });
  });
});
