/**
 * The binding's phase from chain state: pure, so every rule is unit-tested without a chain.
 *
 * Order of the checks matters: a binding that does not match its stake (wrong owner, not a node stake,
 * another node's stake, a seal token of another record) is Invalid whatever the stake's status; then
 * the stake's own life cycle (Slashed, Withdrawn — unbonding counts as withdrawing), then the seal
 * token's expiry. A SealToken that no longer exists was revoked by its owner: Expired.
 *
 * A seal token is expired once the current epoch reaches its `expiresEpoch` (valid for epochs
 * issued..expires-1), the same rule the authn webhook applies to bearer tokens.
 */
import type { SealBindingPhase, SealBindingSpec } from '../k8s/sealbinding.ts';
import type { SealTokenView, StakeRecordView } from './chain-port.ts';
import { DEFAULT_TIERS, tierForAmount, type TierStep } from './tier.ts';

export interface ChainFacts {
  /** undefined: not read (chain unavailable); null: no such StakeRecord. */
  record: StakeRecordView | null | undefined;
  /** undefined: not read or the spec names no seal token; null: no such SealToken. */
  token: SealTokenView | null | undefined;
  epoch: bigint | undefined;
}

export interface Evaluation {
  /** undefined when the chain could not be read: keep the last known phase (never drain on an outage). */
  phase: SealBindingPhase | undefined;
  /** CamelCase reason for the Verified/Ready conditions and Events. */
  reason: string;
  message: string;
  tier?: string;
  stakeAmount?: string;
  expiresEpoch?: string;
  /** Active, and the seal token expires within the warning window. */
  expiringSoon: boolean;
}

export interface PhaseOptions {
  tiers?: readonly TierStep[];
  /** Warn (Expiring) when the seal token expires within this many epochs. */
  expiringWithinEpochs?: bigint;
  /** Another binding already claims this node (it was created first). */
  duplicateOf?: string;
  /** The node is exempt (control-plane): no stake may back it, so no binding for it is valid. */
  exemptNode?: boolean;
}

type Verdict = { phase: SealBindingPhase; reason: string; message: string };

function mismatch(spec: SealBindingSpec, record: StakeRecordView, token: SealTokenView | null | undefined): Verdict | undefined {
  const invalid = (reason: string, message: string): Verdict => ({ phase: 'Invalid', reason, message });
  if (record.staker !== spec.owner) return invalid('OwnerMismatch', `stake record ${spec.stakeRecord} belongs to ${record.staker}, not ${spec.owner}`);
  if (record.kind !== 'node') return invalid('NotNodeStake', `stake record ${spec.stakeRecord} is a ${record.kind} stake, not a node stake`);
  if (record.nodeId !== spec.nodeName) return invalid('NodeMismatch', `stake record ${spec.stakeRecord} backs node "${record.nodeId}", not "${spec.nodeName}"`);
  if (token) {
    if (token.stakeRecord !== spec.stakeRecord) return invalid('SealTokenMismatch', `seal token ${token.id} belongs to stake record ${token.stakeRecord}, not ${spec.stakeRecord}`);
    if (token.owner !== spec.owner || (token.objectOwner !== null && token.objectOwner !== spec.owner)) {
      return invalid('SealTokenMismatch', `seal token ${token.id} is not owned by ${spec.owner}`);
    }
  }
  return undefined;
}

function lifecycle(spec: SealBindingSpec, record: StakeRecordView, token: SealTokenView | null | undefined, epoch: bigint): Verdict {
  if (record.status === 'slashed') return { phase: 'Slashed', reason: 'StakeSlashed', message: `stake record ${spec.stakeRecord} was slashed` };
  if (record.status === 'withdrawn') return { phase: 'Withdrawn', reason: 'StakeWithdrawn', message: `stake record ${spec.stakeRecord} was withdrawn` };
  if (record.status === 'unbonding') return { phase: 'Withdrawn', reason: 'UnstakeRequested', message: `the staker requested unstaking of ${spec.stakeRecord}` };
  if (spec.sealToken && token === null) return { phase: 'Expired', reason: 'SealTokenRevoked', message: `seal token ${spec.sealToken} no longer exists (revoked)` };
  if (token && epoch >= token.expiresEpoch) {
    return { phase: 'Expired', reason: 'SealTokenExpired', message: `seal token ${token.id} expired at epoch ${token.expiresEpoch} (now ${epoch})` };
  }
  return { phase: 'Active', reason: 'StakeActive', message: `stake record ${spec.stakeRecord} is active` };
}

export function evaluateBinding(spec: SealBindingSpec, facts: ChainFacts, options: PhaseOptions = {}): Evaluation {
  if (options.exemptNode) {
    return { phase: 'Invalid', reason: 'ExemptNode', message: `node ${spec.nodeName} is exempt (control-plane): a SealBinding may not name it`, expiringSoon: false };
  }
  if (options.duplicateOf) {
    return { phase: 'Invalid', reason: 'DuplicateNode', message: `node ${spec.nodeName} is already bound by SealBinding ${options.duplicateOf}`, expiringSoon: false };
  }
  const { record, token, epoch } = facts;
  const tokenUnread = spec.sealToken !== undefined && token === undefined;
  if (record === undefined || epoch === undefined || tokenUnread) {
    return { phase: undefined, reason: 'ChainUnavailable', message: 'the chain could not be read; keeping the last known phase', expiringSoon: false };
  }
  if (record === null) {
    return { phase: 'Invalid', reason: 'StakeRecordNotFound', message: `stake record ${spec.stakeRecord} does not exist`, expiringSoon: false };
  }
  const verdict = mismatch(spec, record, token) ?? lifecycle(spec, record, token, epoch);
  const expiresEpoch = token ? token.expiresEpoch : undefined;
  const window = options.expiringWithinEpochs ?? 1n;
  return {
    ...verdict,
    tier: tierForAmount(record.amount, options.tiers ?? DEFAULT_TIERS),
    stakeAmount: record.amount.toString(),
    ...(expiresEpoch !== undefined ? { expiresEpoch: expiresEpoch.toString() } : {}),
    expiringSoon: verdict.phase === 'Active' && expiresEpoch !== undefined && expiresEpoch - epoch <= window,
  };
}
