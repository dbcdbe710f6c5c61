/**
 * Mirror of contracts/sources/seal.move: the same checks in the same order, the same abort codes,
 * the same effects and events. Move unit tests: contracts/tests/seal_tests.move; this file's:
 * test/unit/sim/package/seal.test.ts (same case names).
 */
import { SEAL_TOKEN_LIFETIME_EPOCHS, StakeKind, StakeStatus, USER_PERMISSION_STEPS, WORKER_PERMISSIONS } from '../../chain/schema.ts';
import type { EntryFunctionDescriptor, ExecContext, MoveObject } from './api.ts';
import { addU64, assertMove, assertVersion, byRef, byValue, entryFunction, sameAddress, u64 } from './move.ts';
import { newObject, STRUCT, type SealTokenFields, type StakeRecordFields } from './objects.ts';

type StakeRecord = MoveObject<StakeRecordFields>;
type SealToken = MoveObject<SealTokenFields>;

function createWorkerSealToken(ctx: ExecContext, record: StakeRecord): void {
  assertCanMint(ctx, record);
  assertMove(record.fields.kind === StakeKind.node, 'seal', 'EWrongKind');
  mint(ctx, record, record.fields.node_id, [...WORKER_PERMISSIONS]);
}

function createUserSealToken(ctx: ExecContext, record: StakeRecord): void {
  assertCanMint(ctx, record);
  assertMove(record.fields.kind !== StakeKind.node, 'seal', 'EWrongKind');
  mint(ctx, record, '', userPermissions(u64(record.fields.amount)));
}

function revokeSealToken(ctx: ExecContext, token: SealToken): void {
  assertMove(sameAddress(token.fields.owner, ctx.sender), 'seal', 'ENotOwner');

  ctx.emit('seal', 'SealTokenRevoked', {
    token_id: token.id,
    record_id: token.fields.stake_record,
    owner: token.fields.owner,
    epoch: ctx.epoch,
  });
  ctx.destroy(token);
}

// ---- internal ------------------------------------------------------------------------------

function assertCanMint(ctx: ExecContext, record: StakeRecord): void {
  assertVersion('seal', 'EWrongVersion', record);
  assertMove(sameAddress(record.fields.staker, ctx.sender), 'seal', 'ENotStaker');
  assertMove(record.fields.status === StakeStatus.active, 'seal', 'ENotActive');
}

function mint(ctx: ExecContext, record: StakeRecord, nodeId: string, permissions: string[]): void {
  const owner = ctx.sender;
  const issuedEpoch = ctx.epoch;
  const token = newObject<SealTokenFields>(STRUCT.SealToken, {
    id: ctx.freshId(),
    stake_record: record.id,
    owner,
    node_id: nodeId,
    permissions,
    issued_epoch: issuedEpoch,
    expires_epoch: addU64(issuedEpoch, SEAL_TOKEN_LIFETIME_EPOCHS),
  });
  ctx.emit('seal', 'SealTokenCreated', {
    token_id: token.id,
    record_id: record.id,
    owner,
    node_id: nodeId,
    issued_epoch: issuedEpoch,
    expires_epoch: token.fields.expires_epoch,
  });
  ctx.transfer(token, owner);
}

/** The permissions of every step whose threshold the stake reaches, lowest step first. */
function userPermissions(amount: bigint): string[] {
  return USER_PERMISSION_STEPS.filter((step) => amount >= step.minMist).flatMap((step) => [...step.permissions]);
}

// ---- descriptors (in the order of the Move source; parameters as Move declares them) ---------

export const SEAL_FUNCTIONS: EntryFunctionDescriptor[] = [
  entryFunction('seal', 'create_worker_seal_token', createWorkerSealToken, { record: byRef(STRUCT.StakeRecord) }),
  entryFunction('seal', 'create_user_seal_token', createUserSealToken, { record: byRef(STRUCT.StakeRecord) }),
  entryFunction('seal', 'revoke_seal_token', revokeSealToken, { token: byValue(STRUCT.SealToken) }),
];
