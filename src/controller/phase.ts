/**
 * The binding's phase from chain state: pure, so every rule is unit-tested without a chain.
 *
 * The verdict itself — match, then the stake's life cycle, then the seal token's expiry — is the one in
 * src/policy/binding.ts that the admission webhook and (for tokens) the authn webhook share; this file
 * maps it to a phase and a reason, and adds what only the controller knows: exempt and duplicate
 * nodes, a chain it could not read, the tier and the expiry warning.
 */
import type { SealBindingPhase, SealBindingSpec } from '../k8s/sealbinding.ts';
import type { SealTokenView, StakeRecordView } from '../chain/objects.ts';
import { bindingVerdict, explainBindingVerdict, type BindingVerdict } from '../policy/binding.ts';
import { DEFAULT_TIERS, tierNameFor, type Tier } from '../policy/tiers.ts';

export interface BindingChainFacts {
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
  tiers?: readonly Tier[];
  /** Warn (Expiring) when the seal token expires within this many epochs. */
  expiringWithinEpochs?: bigint;
  /** Another binding already claims this node (it was created first). */
  duplicateOf?: string;
  /** The node is exempt (control-plane): no stake may back it, so no binding for it is valid. */
  exemptNode?: boolean;
}

type Phased = { phase: SealBindingPhase; reason: string };

/** The controller's words for each binding verdict (src/policy/binding.ts): a phase and a CamelCase reason. */
const PHASES: Record<BindingVerdict['kind'], Phased> = {
  active: { phase: 'Active', reason: 'StakeActive' },
  slashed: { phase: 'Slashed', reason: 'StakeSlashed' },
  withdrawn: { phase: 'Withdrawn', reason: 'StakeWithdrawn' },
  // Unbonding counts as withdrawing: the stake no longer backs the node.
  unbonding: { phase: 'Withdrawn', reason: 'UnstakeRequested' },
  expired: { phase: 'Expired', reason: 'SealTokenExpired' },
  'token-revoked': { phase: 'Expired', reason: 'SealTokenRevoked' },
  'stake-missing': { phase: 'Invalid', reason: 'StakeRecordNotFound' },
  'owner-mismatch': { phase: 'Invalid', reason: 'OwnerMismatch' },
  'not-node-stake': { phase: 'Invalid', reason: 'NotNodeStake' },
  'node-mismatch': { phase: 'Invalid', reason: 'NodeMismatch' },
  'token-record-mismatch': { phase: 'Invalid', reason: 'SealTokenMismatch' },
  'token-owner-mismatch': { phase: 'Invalid', reason: 'SealTokenMismatch' },
};

export function evaluateBinding(spec: SealBindingSpec, facts: BindingChainFacts, options: PhaseOptions = {}): Evaluation {
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
  const verdict = bindingVerdict(spec, record, token, epoch);
  const phased = { ...PHASES[verdict.kind], message: explainBindingVerdict(spec, verdict, epoch) };
  if (record === null) return { ...phased, expiringSoon: false };
  const expiresEpoch = token ? token.expiresEpoch : undefined;
  const window = options.expiringWithinEpochs ?? 1n;
  return {
    ...phased,
    tier: tierNameFor(record.amount, options.tiers ?? DEFAULT_TIERS),
    stakeAmount: record.amount.toString(),
    ...(expiresEpoch !== undefined ? { expiresEpoch: expiresEpoch.toString() } : {}),
    expiringSoon: phased.phase === 'Active' && expiresEpoch !== undefined && expiresEpoch - epoch <= window,
  };
}
