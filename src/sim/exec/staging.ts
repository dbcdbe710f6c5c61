/**
 * The objects one transaction touches, while it runs: each input object (with its version before the
 * transaction and how it may be used) and each object the transaction creates, with its live Move
 * fields, its owner so far and whether it still exists. The executor reads and changes these; the
 * effects builder turns them into written and deleted objects once the transaction is done.
 */
import { deriveObjectId } from '../digest.ts';
import { decodeStruct, encodeStruct, structTypeOf } from '../codec.ts';
import type { MoveObject, ObjectStructName } from '../package/api.ts';
import type { SimObject, SimOwner } from '../types.ts';

/** How an input object may be used: owned and mutable shared inputs are written back; the rest only read. */
export type InputAccess = 'owned' | 'shared-mut' | 'shared-imm' | 'immutable';

export interface StagedObject {
  readonly id: string;
  readonly struct: ObjectStructName;
  readonly type: string;
  /** Live Move value; MoveCalls mutate `fields` in place. */
  readonly obj: MoveObject;
  /** The object before this transaction, when it existed. */
  readonly input: SimObject | undefined;
  readonly access: InputAccess | 'created';
  /** Current owner; undefined while a newly created object is still held by the transaction. */
  owner: SimOwner | undefined;
  state: 'live' | 'deleted' | 'wrapped';
  /** Where a created object came from, for UnusedValueWithoutDrop. */
  origin?: { command: number; index: number };
}

export class Staging {
  readonly objects = new Map<string, StagedObject>();
  private idsCreated = 0n;
  readonly txDigest: string;
  readonly packageId: string;
  /** The version every object written by this transaction gets. */
  readonly lamportVersion: bigint;

  constructor(txDigest: string, packageId: string, lamportVersion: bigint) {
    this.txDigest = txDigest;
    this.packageId = packageId;
    this.lamportVersion = lamportVersion;
  }

  /** The next fresh object id (`tx_context::fresh_object_address`). */
  freshId(): string {
    const id = deriveObjectId(this.txDigest, this.idsCreated);
    this.idsCreated += 1n;
    return id;
  }

  addInput(object: SimObject, access: InputAccess): StagedObject {
    if (object.data.kind !== 'move') throw new Error('packages are not staged');
    const struct = object.data.struct;
    const staged: StagedObject = {
      id: object.id,
      struct,
      type: object.data.type,
      obj: { id: object.id, struct, fields: decodeStruct(struct, object.data.contents) },
      input: object,
      access,
      owner: object.owner,
      state: 'live',
    };
    this.objects.set(object.id, staged);
    return staged;
  }

  /** Records an object the transaction created (by SplitCoins or by a Move function). */
  addCreated(obj: MoveObject, origin?: { command: number; index: number }): StagedObject {
    normalizeFields(obj);
    const staged: StagedObject = {
      id: obj.id,
      struct: obj.struct,
      type: structTypeOf(obj.struct, this.packageId),
      obj,
      input: undefined,
      access: 'created',
      owner: undefined,
      state: 'live',
      origin,
    };
    this.objects.set(obj.id, staged);
    return staged;
  }

  get(id: string): StagedObject {
    const staged = this.objects.get(id);
    if (!staged) throw new Error(`object ${id} is not part of this transaction`);
    return staged;
  }

  /** The staged object of a Move value, creating its record when Move code made it. */
  ensure(obj: MoveObject): StagedObject {
    return this.objects.get(obj.id) ?? this.addCreated(obj);
  }
}

/**
 * Re-encodes a value's fields through its schema and parses them back, in place: the mirror may
 * write bigints where the schema parses strings; afterwards every field has the schema's own shape
 * (and a value the schema cannot encode fails here, not later).
 */
export function normalizeFields(obj: MoveObject): void {
  const parsed = decodeStruct(obj.struct, encodeStruct(obj.struct, obj.fields));
  for (const key of Object.keys(obj.fields)) delete obj.fields[key];
  Object.assign(obj.fields, parsed);
}
