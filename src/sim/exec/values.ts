/**
 * The value slots of a programmable transaction: one per input, one for the gas coin, and one per
 * result of each command. A slot holds pure BCS bytes or a reference to a staged object; taking an
 * object by value empties its slot (Move's move semantics), pure values are copied.
 */
import { argumentError } from './failure.ts';
import type { Staging, StagedObject } from './staging.ts';
import type { ValueStructName } from '../package/api.ts';
import type { PtbArgument } from '../types.ts';

/**
 * Pure bytes, a staged object, or a Move value without `key` returned by one command for a later
 * one (the verified Nitro attestation document), held as the mirror's representation.
 */
export type Value =
  | { kind: 'pure'; bytes: Uint8Array }
  | { kind: 'object'; id: string }
  | { kind: 'value'; struct: ValueStructName; value: unknown };

interface Slot {
  value: Value | undefined;
}

export type Usage = 'read' | 'mut' | 'take';

export class Slots {
  private readonly inputs: Slot[];
  private readonly gas: Slot | undefined;
  private readonly results: Slot[][] = [];
  private readonly staging: Staging;

  constructor(staging: Staging, inputs: Array<Value | undefined>, gasCoinId: string | undefined) {
    this.staging = staging;
    this.inputs = inputs.map((value) => ({ value }));
    this.gas = gasCoinId ? { value: { kind: 'object', id: gasCoinId } } : undefined;
  }

  pushResults(values: Value[]): void {
    this.results.push(values.map((value) => ({ value })));
  }

  get resultCount(): number {
    return this.results.length;
  }

  isGas(arg: PtbArgument): boolean {
    return arg.$kind === 'GasCoin';
  }

  /** The value an argument names, used as `usage`; `position` is the argument's index for errors. */
  use(arg: PtbArgument, usage: Usage, position: number): Value {
    const slot = this.slot(arg, position);
    const value = slot.value;
    if (!value) throw argumentError(position, 'ArgumentWithoutValue');
    if (value.kind === 'object') {
      if (arg.$kind === 'GasCoin' && usage === 'take' && !this.gasMayMove) throw argumentError(position, 'InvalidGasCoinUsage');
      checkAccess(this.staging.get(value.id), usage, position);
    }
    if (value.kind !== 'pure' && usage === 'take') slot.value = undefined;
    return value;
  }

  /** Only TransferObjects may move the gas coin; set by the caller around that command. */
  gasMayMove = false;

  /** Like `use`, but the value must be an object. */
  useObject(arg: PtbArgument, usage: Usage, position: number): StagedObject {
    const value = this.use(arg, usage, position);
    if (value.kind !== 'object') throw argumentError(position, 'TypeMismatch');
    return this.staging.get(value.id);
  }

  /** Like `use`, but the value must be pure bytes. */
  usePure(arg: PtbArgument, position: number): Uint8Array {
    const value = this.use(arg, 'read', position);
    if (value.kind !== 'pure') throw argumentError(position, 'TypeMismatch');
    return value.bytes;
  }

  /** Like `use` by value, but the value must be the Move value `struct`. */
  useValue(arg: PtbArgument, struct: ValueStructName, position: number): unknown {
    const value = this.use(arg, 'take', position);
    if (value.kind !== 'value' || value.struct !== struct) throw argumentError(position, 'TypeMismatch');
    return value.value;
  }

  /** Created objects still held in result slots at the end: Move would reject the dropped value. */
  leftovers(): Array<{ command: number; index: number; id: string }> {
    const out: Array<{ command: number; index: number; id: string }> = [];
    this.results.forEach((slots, command) =>
      slots.forEach((slot, index) => {
        if (slot.value?.kind === 'object') out.push({ command, index, id: slot.value.id });
      }),
    );
    return out;
  }

  private slot(arg: PtbArgument, position: number): Slot {
    switch (arg.$kind) {
      case 'GasCoin':
        if (!this.gas) throw argumentError(position, 'InvalidGasCoinUsage');
        return this.gas;
      case 'Input': {
        const slot = this.inputs[arg.Input];
        if (!slot) throw argumentError(position, 'IndexOutOfBounds', { index: arg.Input });
        return slot;
      }
      case 'Result': {
        const slots = this.results[arg.Result];
        if (!slots) throw argumentError(position, 'IndexOutOfBounds', { index: arg.Result });
        if (slots.length !== 1) throw argumentError(position, 'InvalidResultArity', { index: arg.Result });
        return slots[0]!;
      }
      case 'NestedResult': {
        const [result, sub] = arg.NestedResult;
        const slots = this.results[result];
        if (!slots) throw argumentError(position, 'IndexOutOfBounds', { index: result });
        const slot = slots[sub];
        if (!slot) throw argumentError(position, 'SecondaryIndexOutOfBounds', { index: result, subresult: sub });
        return slot;
      }
    }
  }
}

/** Immutable objects are only readable; read-only shared inputs likewise. */
function checkAccess(staged: StagedObject, usage: Usage, position: number): void {
  if (staged.state !== 'live') throw argumentError(position, 'ArgumentWithoutValue');
  if (usage === 'read') return;
  const readOnly = staged.access === 'immutable' || staged.access === 'shared-imm';
  if (readOnly) throw argumentError(position, usage === 'mut' ? 'InvalidObjectByMutRef' : 'InvalidObjectByValue');
}

