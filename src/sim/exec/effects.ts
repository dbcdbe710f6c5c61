/**
 * Turns a finished (or failed) transaction's staging into what it did: the object versions written
 * and ids removed, Sui's `TransactionEffects` V2 (BCS and digest) and the gRPC `TransactionEffects`
 * the SDK reads, the events (BCS, digest, JSON), and SUI balance changes.
 */
import { bcs } from '@mysten/sui/bcs';
import { GrpcTypes } from '@mysten/sui/grpc';
import { parseStructTag } from '@mysten/sui/utils';
import { coinBalance, encodeStruct, hasPublicTransfer, isCoinStruct, ownerBcs, sealObject, SUI_TYPE } from '../codec.ts';
import { effectsDigest, eventsDigest } from '../digest.ts';
import type { GasCost } from '../gas.ts';
import { toProtoValue } from '../wire.ts';
import { failureToGrpc, statusToBcs, type ExecFailure } from './failure.ts';
import type { EmittedEvent } from './movecall.ts';
import type { Staging, StagedObject } from './staging.ts';
import type { SimObject, SimOwner } from '../types.ts';

const { ChangedObject_InputObjectState: In, ChangedObject_OutputObjectState: Out, ChangedObject_IdOperation: IdOp } = GrpcTypes;

/** Sui's on-chain `Event` and `TransactionEvents`. */
const EventBcs = bcs.struct('Event', {
  package_id: bcs.Address,
  transaction_module: bcs.string(),
  sender: bcs.Address,
  type: bcs.StructTag,
  contents: bcs.byteVector(),
});
const TransactionEventsBcs = bcs.struct('TransactionEvents', { data: bcs.vector(EventBcs) });

export interface EffectsInput {
  digest: string;
  sender: string;
  epoch: bigint;
  staging: Staging;
  gasCoinId: string;
  cost: GasCost;
  failure: ExecFailure | undefined;
  events: EmittedEvent[];
  dependencies: string[];
}

export interface BuiltEffects {
  effects: GrpcTypes.TransactionEffects;
  events: GrpcTypes.TransactionEvents | undefined;
  balanceChanges: GrpcTypes.BalanceChange[];
  written: SimObject[];
  deleted: string[];
}

interface Change {
  staged: StagedObject;
  grpc: GrpcTypes.ChangedObject;
  bcs: [string, EffectsObjectChange];
  output?: SimObject;
}

type EffectsV2 = Extract<typeof bcs.TransactionEffects.$inferInput, { V2: unknown }>['V2'];
type EffectsObjectChange = EffectsV2['changedObjects'] extends Iterable<infer T> ? (T extends readonly [unknown, infer C] ? C : never) : never;

export function grpcOwner(owner: SimOwner): GrpcTypes.Owner {
  switch (owner.kind) {
    case 'address':
      return { kind: GrpcTypes.Owner_OwnerKind.ADDRESS, address: owner.address };
    case 'shared':
      return { kind: GrpcTypes.Owner_OwnerKind.SHARED, version: owner.initialVersion };
    case 'immutable':
      return { kind: GrpcTypes.Owner_OwnerKind.IMMUTABLE };
  }
}

/** The object version a live, owned staged object becomes when `transaction` writes it. */
export function writeObject(staged: StagedObject, version: bigint, transaction: string): SimObject {
  return sealObject({
    id: staged.id,
    version,
    owner: staged.owner!,
    previousTransaction: transaction,
    storageRebate: 0n,
    data: {
      kind: 'move',
      type: staged.type,
      struct: staged.struct,
      hasPublicTransfer: hasPublicTransfer(staged.struct),
      contents: encodeStruct(staged.struct, staged.obj.fields),
    },
  });
}

function changeOf(staged: StagedObject, input: EffectsInput): Change | undefined {
  const before = staged.input;
  if (!before) {
    if (staged.state !== 'live' || !staged.owner) return undefined; // created and gone again: invisible
  } else if (staged.access === 'immutable' || staged.access === 'shared-imm') {
    return undefined;
  }
  const output = staged.state === 'live' ? writeObject(staged, input.staging.lamportVersion, input.digest) : undefined;
  const idOperation = !before ? IdOp.CREATED : staged.state === 'deleted' ? IdOp.DELETED : IdOp.NONE;
  const grpc: GrpcTypes.ChangedObject = {
    objectId: staged.id,
    inputState: before ? In.EXISTS : In.DOES_NOT_EXIST,
    inputVersion: before?.version,
    inputDigest: before?.digest,
    inputOwner: before ? grpcOwner(before.owner) : undefined,
    outputState: output ? Out.OBJECT_WRITE : Out.DOES_NOT_EXIST,
    outputVersion: output?.version,
    outputDigest: output?.digest,
    outputOwner: output ? grpcOwner(output.owner) : undefined,
    idOperation,
    objectType: staged.type,
  };
  const change: EffectsObjectChange = {
    inputState: before ? { Exist: [[before.version, before.digest], ownerBcs(before.owner)] } : { NotExist: true },
    outputState: output ? { ObjectWrite: [output.digest, ownerBcs(output.owner)] } : { NotExist: true },
    idOperation: !before ? { Created: true } : staged.state === 'deleted' ? { Deleted: true } : { None: true },
  };
  return { staged, grpc, bcs: [staged.id, change], output };
}

function unchangedShared(staging: Staging): Array<{ grpc: GrpcTypes.UnchangedConsensusObject; bcs: EffectsV2['unchangedConsensusObjects'] extends Iterable<infer T> ? T : never }> {
  return [...staging.objects.values()]
    .filter((s) => s.access === 'shared-imm' && s.input)
    .sort((a, b) => compareIds(a.id, b.id))
    .map((s) => ({
      grpc: {
        kind: GrpcTypes.UnchangedConsensusObject_UnchangedConsensusObjectKind.READ_ONLY_ROOT,
        objectId: s.id,
        version: s.input!.version,
        digest: s.input!.digest,
        objectType: s.type,
      },
      bcs: [s.id, { ReadOnlyRoot: [s.input!.version, s.input!.digest] }],
    }));
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildEffects(input: EffectsInput): BuiltEffects {
  const changes = [...input.staging.objects.values()]
    .sort((a, b) => compareIds(a.id, b.id))
    .map((s) => changeOf(s, input))
    .filter((c): c is Change => c !== undefined);
  const unchanged = unchangedShared(input.staging);
  const events = buildEvents(input);
  const gasIndex = changes.findIndex((c) => c.staged.id === input.gasCoinId);
  const effectsBcs = bcs.TransactionEffects.serialize({
    V2: {
      status: statusToBcs(input.failure),
      executedEpoch: input.epoch,
      gasUsed: input.cost,
      transactionDigest: input.digest,
      gasObjectIndex: gasIndex < 0 ? null : gasIndex,
      eventsDigest: events?.digest ?? null,
      dependencies: input.dependencies,
      lamportVersion: input.staging.lamportVersion,
      changedObjects: changes.map((c) => c.bcs),
      unchangedConsensusObjects: unchanged.map((u) => u.bcs),
      auxDataDigest: null,
    },
  }).toBytes();
  const effects: GrpcTypes.TransactionEffects = GrpcTypes.TransactionEffects.create({
    bcs: { name: 'TransactionEffects', value: effectsBcs },
    digest: effectsDigest(effectsBcs),
    version: 2,
    status: input.failure
      ? { success: false, error: failureToGrpc(input.failure.failure, input.failure.command) }
      : { success: true },
    epoch: input.epoch,
    gasUsed: input.cost,
    transactionDigest: input.digest,
    gasObject: gasIndex < 0 ? undefined : changes[gasIndex]!.grpc,
    eventsDigest: events?.digest,
    dependencies: input.dependencies,
    lamportVersion: input.staging.lamportVersion,
    changedObjects: changes.map((c) => c.grpc),
    unchangedConsensusObjects: unchanged.map((u) => u.grpc),
  });
  return {
    effects,
    events,
    balanceChanges: balanceChanges(changes),
    written: changes.flatMap((c) => (c.output ? [c.output] : [])),
    deleted: changes.filter((c) => !c.output).map((c) => c.staged.id),
  };
}

function buildEvents(input: EffectsInput): GrpcTypes.TransactionEvents | undefined {
  if (input.failure || input.events.length === 0) return undefined;
  const eventsBcs = TransactionEventsBcs.serialize({
    data: input.events.map((e) => {
      const tag = parseStructTag(e.type);
      return {
        package_id: e.packageId,
        transaction_module: e.module,
        sender: input.sender,
        type: { address: tag.address, module: tag.module, name: tag.name, typeParams: [] },
        contents: e.contents,
      };
    }),
  }).toBytes();
  return {
    bcs: { name: 'TransactionEvents', value: eventsBcs },
    digest: eventsDigest(eventsBcs),
    events: input.events.map((e, eventIndex) => ({
      packageId: e.packageId,
      module: e.module,
      sender: input.sender,
      eventType: e.type,
      contents: { name: e.type, value: e.contents },
      json: toProtoValue(e.json),
      transactionDigest: input.digest,
      eventIndex,
    })),
  };
}

/** SUI moved per address: coins owned after minus coins owned before, over the changed coins. */
function balanceChanges(changes: Change[]): GrpcTypes.BalanceChange[] {
  const delta = new Map<string, bigint>();
  const add = (address: string, amount: bigint) => delta.set(address, (delta.get(address) ?? 0n) + amount);
  for (const { staged, output } of changes) {
    if (!isCoinStruct(staged.struct)) continue;
    const before = staged.input;
    if (before?.owner.kind === 'address' && before.data.kind === 'move') add(before.owner.address, -coinBalance(before.data.contents));
    if (output?.owner.kind === 'address' && output.data.kind === 'move') add(output.owner.address, coinBalance(output.data.contents));
  }
  return [...delta.entries()]
    .filter(([, amount]) => amount !== 0n)
    .sort(([a], [b]) => compareIds(a, b))
    .map(([address, amount]) => ({ address, coinType: SUI_TYPE, amount: amount.toString() }));
}
