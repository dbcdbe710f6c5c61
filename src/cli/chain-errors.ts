/**
 * A refused transaction, said as one line about the command line rather than about Move: which flag
 * and which values (`--sui 0.1 is below the minimum stake for --kind user (0.5 SUI)`), not
 * `staking::EBelowMinimum`. The facts the sentence needs (the pool's minimum, a record's unlock epoch,
 * an object's type) are read from the chain after the failure through `ChainFacts`, so the wording
 * itself stays a pure function (test/unit/cli/chain-errors.test.ts).
 */
import type { ChainTxError } from '../chain/errors.ts';
import { formatSui } from '../chain/units.ts';

/** What the command was given: flag → value, as typed (undefined when not given). */
export type GivenFlags = Readonly<Record<string, string | undefined>>;

/** Chain reads that explain a refusal; each may answer undefined when it cannot tell. */
export interface ChainFacts {
  minStakeMist(kind: string): Promise<bigint | undefined>;
  lock(recordId: string): Promise<{ unlockEpoch: bigint; epoch: bigint } | undefined>;
  /** The Move type name (`StakeRecord`, `SealToken`, `Coin<SUI>`…) of an object, if it exists. */
  typeName(id: string): Promise<string | undefined>;
}

/** The object-id flags of this CLI and the Move type each must name. */
export const OBJECT_FLAGS: Readonly<Record<string, string>> = {
  '--stake-record': 'StakeRecord',
  '--seal-token': 'SealToken',
  '--admin-cap': 'AdminCap',
};

export async function explainChainError(error: ChainTxError, given: GivenFlags, facts: ChainFacts): Promise<string> {
  const abort = error.abort?.replace(/^.*::/, '');
  const record = given['--stake-record'];
  switch (abort) {
    case 'EBelowMinimum': {
      const min = given['--kind'] ? await facts.minStakeMist(given['--kind']) : undefined;
      const what = given['--sui'] ? `--sui ${given['--sui']}` : 'the amount';
      return `${what} is below the pool's minimum stake${given['--kind'] ? ` for --kind ${given['--kind']}` : ''}${min === undefined ? '' : ` (${formatSui(min)} SUI)`}`;
    }
    case 'EStillLocked': {
      const lock = record ? await facts.lock(record) : undefined;
      return `--stake-record ${record ?? ''} is still locked: it can be withdrawn from epoch ${lock ? `${lock.unlockEpoch} (the current epoch is ${lock.epoch})` : 'its unlock epoch (see stake show)'}`;
    }
    case 'ENotStaker':
      return `--stake-record ${record ?? ''} belongs to another address than your key's`;
    case 'ENotOwner':
      return `--seal-token ${given['--seal-token'] ?? ''} belongs to another address than your key's`;
    case 'ENotActive':
      return `--stake-record ${record ?? ''} is not active (see daas-auth stake show --stake-record ${record ?? 'ID'})`;
    case 'ENotWithdrawable':
      return `--stake-record ${record ?? ''} is not unbonding or slashed: run daas-auth unstake first`;
    case 'ENotSlashable':
      return `--stake-record ${record ?? ''} cannot be slashed (it is neither active nor unbonding)`;
    case 'EInvalidNodeId':
      return `--node ${given['--node'] ?? ''} is not accepted by the pool (a node stake needs a node name, other kinds none)`;
    case 'EWrongKind':
      return `--stake-record ${record ?? ''} is of another kind than this command needs`;
    default:
      break;
  }
  if (/TypeMismatch/.test(error.message)) return (await wrongObject(given, facts)) ?? error.message;
  return error.message;
}

/** The first object-id flag whose object is not of the type the flag asks for. */
async function wrongObject(given: GivenFlags, facts: ChainFacts): Promise<string | undefined> {
  for (const [flag, expected] of Object.entries(OBJECT_FLAGS)) {
    const id = given[flag];
    if (!id) continue;
    const actual = await facts.typeName(id);
    if (actual !== expected) return `${flag} ${id} is ${actual ? `a ${actual}` : 'no object on this network'}, not a ${expected}`;
  }
  return undefined;
}
