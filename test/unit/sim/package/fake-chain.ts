/**
 * A small fake of the sim's executor for unit tests of the package mirror: objects are kept as BCS
 * bytes (so the mirror sees schema-parsed fields, u64s as strings, exactly as the executor hands
 * them over), a call runs on parsed copies and is kept only if it does not throw (a transaction is
 * all or nothing), and every event and object the mirror produces must encode with
 * src/chain/schema.ts. It does not check ownership or argument kinds: the executor does, and the
 * wire tests (test/e2e/sim-*.test.ts) cover that.
 */
import { bcs } from '@mysten/sui/bcs';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { ABORT_CODES, Coin, STRUCTS, type ModuleName } from '../../../../src/chain/schema.ts';
import {
  MoveAbort,
  type ExecContext,
  type MoveObject,
  type NitroAttestation,
  type ObjectStructName,
} from '../../../../src/sim/package/api.ts';
import { findEntryFunction, findFrameworkFunction, genesisObjects } from '../../../../src/sim/package/index.ts';

export const ADMIN = normalizeSuiAddress('0xad');
export const ALICE = normalizeSuiAddress('0xa11ce');
export const BOB = normalizeSuiAddress('0xb0b');
export const SUI = 1_000_000_000n;

const Clock = bcs.struct('Clock', { id: bcs.Address, timestamp_ms: bcs.u64() });

interface Codec {
  serialize(value: never): { toBytes(): Uint8Array };
  parse(bytes: Uint8Array): Record<string, unknown>;
}

function schemaOf(struct: ObjectStructName): Codec {
  if (struct === '0x2::coin::Coin<0x2::sui::SUI>') return Coin as unknown as Codec;
  if (struct === '0x2::clock::Clock') return Clock as unknown as Codec;
  const [module, name] = struct.split('::') as [ModuleName, string];
  return (STRUCTS[module] as Record<string, unknown>)[name] as Codec;
}

type Owner = { kind: 'address'; address: string } | { kind: 'shared' };

interface Stored {
  struct: ObjectStructName;
  bytes: Uint8Array;
  owner: Owner;
}

export interface EmittedEvent {
  type: string;
  fields: Record<string, unknown>;
}

export interface CallResult {
  events: EmittedEvent[];
  created: string[];
  deleted: string[];
  returns: unknown[];
}

/** An argument: an object id (`obj(id)`), a value an earlier command returned (`val(x)`), or pure. */
export type Arg = { obj: string } | { val: unknown } | bigint | string | Uint8Array;
export const obj = (id: string): Arg => ({ obj: id });
export const val = (value: unknown): Arg => ({ val: value });

export class FakeChain {
  epoch = 0n;
  readonly adminCapId: string;
  readonly poolId: string;
  readonly configId: string;
  /** What `loadNitroAttestation` does; tests replace it. */
  nitro: (document: Uint8Array, clockTimestampMs: bigint) => NitroAttestation = () => {
    throw new Error('no attestation verifier configured');
  };
  private readonly store = new Map<string, Stored>();
  private counter = 0;

  /** Publishes the package as ADMIN (runs the modules' `init`). */
  constructor() {
    ({ adminCapId: this.adminCapId, poolId: this.poolId, configId: this.configId } = this.publish());
  }

  /** Runs the modules' `init` functions (again: a second pool, AdminCap and config). */
  publish(): { adminCapId: string; poolId: string; configId: string } {
    const { ctx, finish } = this.context(ADMIN);
    const { adminCap, pool, enclaveConfig } = genesisObjects(ctx);
    finish([]);
    return { adminCapId: adminCap.id, poolId: pool.id, configId: enclaveConfig.id };
  }

  /** Runs `module::name` as `sender`; throws what the mirror throws, leaving the state untouched. */
  call(sender: string, target: string, args: Arg[]): CallResult {
    const [module, name] = target.split('::') as [string, string];
    const fn = findEntryFunction(module, name) ?? findFrameworkFunction(module, name);
    if (!fn) throw new Error(`no such function ${target}`);
    if (fn.params.length !== args.length) throw new Error(`${target} takes ${fn.params.length} arguments`);
    const { ctx, finish, load } = this.context(sender);
    const values = args.map((arg) => (isObj(arg) ? load(arg.obj) : isVal(arg) ? arg.val : arg));
    const returns = fn.run(ctx, values) ?? [];
    return { ...finish(values.filter(isMoveObject)), returns };
  }

  fields<F = Record<string, unknown>>(id: string): F {
    const stored = this.get(id);
    return schemaOf(stored.struct).parse(stored.bytes) as F;
  }

  owner(id: string): Owner {
    return this.get(id).owner;
  }

  exists(id: string): boolean {
    return this.store.has(id);
  }

  /** Objects of `struct` owned by `address`. */
  owned(address: string, struct: ObjectStructName): string[] {
    return [...this.store.entries()]
      .filter(([, s]) => s.struct === struct && s.owner.kind === 'address' && s.owner.address === address)
      .map(([id]) => id);
  }

  /**
   * Rewrites fields of a stored object outside any transaction: the Move tests' `#[test_only]`
   * setters (e.g. an object left at an older package version).
   */
  patch(id: string, fields: Record<string, unknown>): void {
    const stored = this.get(id);
    const next = { ...schemaOf(stored.struct).parse(stored.bytes), ...fields };
    stored.bytes = schemaOf(stored.struct).serialize(next as never).toBytes();
  }

  mintCoin(owner: string, amount: bigint): string {
    return this.put('0x2::coin::Coin<0x2::sui::SUI>', { id: this.freshId(), balance: amount }, owner);
  }

  clock(timestampMs: bigint): string {
    return this.put('0x2::clock::Clock', { id: normalizeSuiAddress('0x6'), timestamp_ms: timestampMs }, 'shared');
  }

  private put(struct: ObjectStructName, fields: Record<string, unknown> & { id: string }, owner: string | 'shared'): string {
    const bytes = schemaOf(struct).serialize(fields as never).toBytes();
    this.store.set(fields.id, { struct, bytes, owner: owner === 'shared' ? { kind: 'shared' } : { kind: 'address', address: owner } });
    return fields.id;
  }

  private get(id: string): Stored {
    const stored = this.store.get(id);
    if (!stored) throw new Error(`no object ${id}`);
    return stored;
  }

  private freshId(): string {
    this.counter += 1;
    return normalizeSuiAddress(`0x${this.counter.toString(16)}`);
  }

  /** An ExecContext for one call; `finish` commits what the call did. */
  private context(sender: string) {
    const events: EmittedEvent[] = [];
    const placed = new Map<string, { obj: MoveObject; owner: Owner }>();
    const deleted = new Set<string>();
    const ctx: ExecContext = {
      sender,
      epoch: this.epoch,
      epochTimestampMs: 0n,
      freshId: () => this.freshId(),
      emit: (module, eventName, fields) => {
        const schema = (STRUCTS[module] as Record<string, Codec>)[eventName];
        if (!schema) throw new Error(`unknown event ${module}::${eventName}`);
        const parsed = schema.parse(schema.serialize(fields as never).toBytes());
        events.push({ type: `${module}::${eventName}`, fields: parsed });
      },
      transfer: (o, recipient) => void placed.set(o.id, { obj: o, owner: { kind: 'address', address: recipient } }),
      share: (o) => void placed.set(o.id, { obj: o, owner: { kind: 'shared' } }),
      destroy: (o) => void deleted.add(o.id),
      loadNitroAttestation: (document, clockTimestampMs) => this.nitro(document, clockTimestampMs),
    };
    const load = (id: string): MoveObject => ({ id, struct: this.get(id).struct, fields: this.fields(id) });
    const finish = (inputs: MoveObject[]) => {
      const created = [...placed.keys()].filter((id) => !this.store.has(id));
      for (const input of inputs) if (!placed.has(input.id) && !deleted.has(input.id)) this.rewrite(input);
      for (const { obj: o, owner } of placed.values()) this.put(o.struct, o.fields as { id: string }, owner.kind === 'shared' ? 'shared' : owner.address);
      for (const id of deleted) this.store.delete(id);
      return { events, created, deleted: [...deleted] };
    };
    return { ctx, finish, load };
  }

  /** An input object after the call: re-encoded (a by-reference argument may have been mutated). */
  private rewrite(o: MoveObject): void {
    const stored = this.get(o.id);
    stored.bytes = schemaOf(o.struct).serialize(o.fields as never).toBytes();
  }
}

function isObj(arg: Arg): arg is { obj: string } {
  return typeof arg === 'object' && 'obj' in arg;
}

function isVal(arg: Arg): arg is { val: unknown } {
  return typeof arg === 'object' && 'val' in arg;
}

function isMoveObject(value: unknown): value is MoveObject {
  return typeof value === 'object' && value !== null && 'struct' in value && 'fields' in value;
}

/** Runs `run` and expects the Move abort `module::name` of the package. */
export function expectAbort(run: () => unknown, module: ModuleName, name: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof MoveAbort)) throw new Error(`expected ${module}::${name}, got ${String(thrown)}`);
  const codes = ABORT_CODES[module] as Record<string, number>;
  expect({ module: thrown.module, code: thrown.code }).toEqual({ module, code: codes[name] });
}

// ---- the common transactions ---------------------------------------------------------------

/** `who` stakes `amount` MIST in the chain's pool; returns the new StakeRecord's id. */
export function stake(chain: FakeChain, who: string, amount: bigint, kind: number, nodeId = ''): string {
  const coin = chain.mintCoin(who, amount);
  const { created } = chain.call(who, 'staking::stake', [obj(chain.poolId), obj(coin), BigInt(kind), nodeId]);
  return created[0]!;
}

export function requestUnstake(chain: FakeChain, who: string, recordId: string, poolId = chain.poolId): CallResult {
  return chain.call(who, 'staking::request_unstake', [obj(poolId), obj(recordId)]);
}

/** The admin slashes `recordId` with the AdminCap of the first publish. */
export function slash(chain: FakeChain, recordId: string, poolId = chain.poolId): CallResult {
  return chain.call(ADMIN, 'staking::slash', [obj(chain.adminCapId), obj(poolId), obj(recordId), 'test']);
}

/** 48 bytes of `byte`: a SHA-384 sized PCR. */
export function pcr(byte: number): Uint8Array {
  return new Uint8Array(48).fill(byte);
}
