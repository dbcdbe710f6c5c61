/**
 * Whether a SealBinding's claim (this node, this owner, this node stake, optionally this seal token)
 * holds against the chain: the stake verdict (./stake.ts) behind a match check. A binding that does
 * not match its stake (another owner, not a node stake, another node's stake, a token of another
 * record) is refused whatever the stake's status; a SealToken that no longer exists was revoked by
 * its owner. The admission webhook refuses with `explainBindingVerdict`; the controller maps the
 * same verdict to a phase and a reason of its own.
 */
import { stakeVerdict, type StakeKindName, type StakeStatusName, type StakeVerdict } from './stake.ts';

/** What a binding claims (its spec). */
export interface BindingClaim {
  nodeName: string;
  owner: string;
  stakeRecord: string;
  sealToken?: string;
}

/** What the verdict reads of a StakeRecord (the chain reader's view fits). */
export interface StakeFacts {
  staker: string;
  kind: StakeKindName;
  nodeId: string;
  status: StakeStatusName;
}

/** What the verdict reads of a SealToken (the chain reader's view fits). */
export interface SealTokenFacts {
  id: string;
  stakeRecord: string;
  /** The `owner` field written at mint time. */
  owner: string;
  /** Who holds the object now; null when it is not address-owned. */
  objectOwner: string | null;
  expiresEpoch: bigint;
}

export type BindingVerdict =
  | StakeVerdict
  | { kind: 'stake-missing' }
  | { kind: 'owner-mismatch'; staker: string }
  | { kind: 'not-node-stake'; stakeKind: StakeKindName }
  | { kind: 'node-mismatch'; stakeNode: string }
  | { kind: 'token-record-mismatch'; token: string; tokenRecord: string }
  | { kind: 'token-owner-mismatch'; token: string }
  /** The claimed SealToken no longer exists. */
  | { kind: 'token-revoked' };

function mismatch(claim: BindingClaim, stake: StakeFacts, token: SealTokenFacts | null | undefined): BindingVerdict | undefined {
  if (stake.staker !== claim.owner) return { kind: 'owner-mismatch', staker: stake.staker };
  if (stake.kind !== 'node') return { kind: 'not-node-stake', stakeKind: stake.kind };
  if (stake.nodeId !== claim.nodeName) return { kind: 'node-mismatch', stakeNode: stake.nodeId };
  if (!token) return undefined;
  if (token.stakeRecord !== claim.stakeRecord) return { kind: 'token-record-mismatch', token: token.id, tokenRecord: token.stakeRecord };
  if (token.owner !== claim.owner || (token.objectOwner !== null && token.objectOwner !== claim.owner)) return { kind: 'token-owner-mismatch', token: token.id };
  return undefined;
}

/**
 * `stake` null: no such StakeRecord. `token` null: the claimed SealToken does not exist; undefined:
 * the claim names none.
 */
export function bindingVerdict(claim: BindingClaim, stake: StakeFacts | null, token: SealTokenFacts | null | undefined, epoch: bigint): BindingVerdict {
  if (stake === null) return { kind: 'stake-missing' };
  const wrong = mismatch(claim, stake, token);
  if (wrong) return wrong;
  const verdict = stakeVerdict(stake, token ?? undefined, epoch);
  if (verdict.kind === 'active' && claim.sealToken !== undefined && token === null) return { kind: 'token-revoked' };
  return verdict;
}

/** One sentence for a person (admission refusals, SealBinding condition messages). */
export function explainBindingVerdict(claim: BindingClaim, verdict: BindingVerdict, epoch: bigint): string {
  const record = claim.stakeRecord;
  switch (verdict.kind) {
    case 'active': return `stake record ${record} is active`;
    case 'slashed': return `stake record ${record} was slashed`;
    case 'withdrawn': return `stake record ${record} was withdrawn`;
    case 'unbonding': return `the staker requested unstaking of ${record}`;
    case 'expired': return `seal token ${claim.sealToken ?? ''} expired at epoch ${verdict.atEpoch} (now ${epoch})`;
    case 'stake-missing': return `stake record ${record} does not exist`;
    case 'owner-mismatch': return `stake record ${record} belongs to ${verdict.staker}, not ${claim.owner}`;
    case 'not-node-stake': return `stake record ${record} is a ${verdict.stakeKind} stake, not a node stake`;
    case 'node-mismatch': return `stake record ${record} backs node "${verdict.stakeNode}", not "${claim.nodeName}"`;
    case 'token-record-mismatch': return `seal token ${verdict.token} belongs to stake record ${verdict.tokenRecord}, not ${record}`;
    case 'token-owner-mismatch': return `seal token ${verdict.token} is not owned by ${claim.owner}`;
    case 'token-revoked': return `seal token ${claim.sealToken ?? ''} no longer exists (revoked)`;
  }
}
