/**
 * docs/design.md §3 steps 4 and 5 as pure functions: the chain state a token needs, and the Kubernetes
 * identity it maps to. No I/O; the authenticator fetches the views and calls these.
 *
 * Only `nodeIdentity` builds a `system:` name, and `guardIdentity` — the last thing every decision
 * passes — refuses a `system:` name or group on any other path.
 */
import type { SealTokenView, StakeRecordView } from '../chain/objects.ts';
import { bindingAuthorizesNode, type SealBinding } from '../k8s/sealbinding.ts';
import type { UserInfo } from '../k8s/tokenreview.ts';
import type { SealClaims } from '../token/claims.ts';
import { EXTRA_KEYS, NODE_USERNAME_PREFIX, NODES_GROUP, STAKERS_GROUP, TIER_GROUP_PREFIX, USERNAME_PREFIX } from '../policy/identity.ts';
import { stakeVerdict, type StakeVerdictKind } from '../policy/stake.ts';
import type { AuthnRejectReason } from './reasons.ts';
import { tierFor, type Tier } from '../policy/tiers.ts';

/** Which path produced an identity; only `node` may carry `system:` names. */
export type IdentityPath = 'user' | 'node';

export interface Identity {
  path: IdentityPath;
  user: UserInfo;
  /** The tier name on the user path. */
  tier?: string;
}

export type IdentityResult = { ok: true; identity: Identity } | { ok: false; reason: AuthnRejectReason };
const refuse = (reason: AuthnRejectReason): { ok: false; reason: AuthnRejectReason } => ({ ok: false, reason });

/** The authn reason for each stake verdict (src/policy/stake.ts); null: the stake is good. */
const VERDICT_REASONS: Record<StakeVerdictKind, AuthnRejectReason | null> = {
  active: null,
  slashed: 'stake_slashed',
  unbonding: 'stake_unbonding',
  withdrawn: 'stake_withdrawn',
  expired: 'seal_token_expired',
};

/** Step 4: `tok` exists as our SealToken, `sub` holds it and staked its record, neither expired nor
 * inactive. `token`/`record` are null when the reader found no such object of our package. */
export function checkChainState(
  claims: SealClaims,
  token: SealTokenView | null,
  record: StakeRecordView | null,
  epoch: bigint,
): AuthnRejectReason | null {
  if (!token) return 'seal_token_not_found';
  if (token.objectOwner !== claims.sub || token.owner !== claims.sub) return 'not_token_owner';
  if (!record || record.id !== token.stakeRecord) return 'stake_record_not_found';
  if (record.staker !== claims.sub) return 'not_staker';
  const refusal = VERDICT_REASONS[stakeVerdict(record, token, epoch).kind];
  if (refusal) return refusal;
  // A worker's SealToken names its node; it may only be used as that node's kubelet credential.
  if (claims.node === undefined) return token.nodeId === '' && record.kind !== 'node' ? null : 'node_token_without_node_claim';
  if (token.nodeId !== claims.node || record.kind !== 'node' || record.nodeId !== claims.node) return 'node_claim_mismatch';
  return null;
}

function commonExtra(token: SealTokenView, record: StakeRecordView): Record<string, string[]> {
  return {
    [EXTRA_KEYS.sealToken]: [token.id],
    [EXTRA_KEYS.stakeRecord]: [record.id],
    [EXTRA_KEYS.stakeMist]: [record.amount.toString()],
  };
}

/** Step 5 without a `node` claim: `sui:<sub>`, `daas:stakers`, `daas:tier:<tier>`. */
export function userIdentity(claims: SealClaims, token: SealTokenView, record: StakeRecordView, tiers: readonly Tier[]): IdentityResult {
  const tier = tierFor(record.amount, tiers);
  if (!tier) return refuse('below_lowest_tier');
  const user: UserInfo = {
    username: `${USERNAME_PREFIX}${claims.sub}`,
    uid: claims.sub,
    groups: [STAKERS_GROUP, `${TIER_GROUP_PREFIX}${tier.name}`],
    extra: { ...commonExtra(token, record), [EXTRA_KEYS.tier]: [tier.name] },
  };
  return { ok: true, identity: { path: 'user', user, tier: tier.name } };
}

/** Step 5 with a `node` claim: only an Active SealBinding for this node, owner and record lets
 * the token act as `system:node:<node>`. */
export function nodeIdentity(
  claims: SealClaims & { node: string },
  token: SealTokenView,
  record: StakeRecordView,
  binding: SealBinding | undefined,
): IdentityResult {
  if (!binding) return refuse('no_active_binding');
  const claim = { node: claims.node, owner: claims.sub, stakeRecord: record.id };
  if (binding.spec.nodeName !== claim.node) return refuse('no_active_binding');
  if (binding.spec.owner !== claim.owner || binding.spec.stakeRecord !== claim.stakeRecord) return refuse('binding_mismatch');
  if (!bindingAuthorizesNode(binding, claim)) return refuse('no_active_binding');
  const user: UserInfo = {
    username: `${NODE_USERNAME_PREFIX}${claims.node}`,
    uid: `${NODE_USERNAME_PREFIX}${claims.node}`,
    groups: [NODES_GROUP],
    extra: commonExtra(token, record),
  };
  return { ok: true, identity: { path: 'node', user } };
}

const isSystem = (name: string): boolean => name.toLowerCase().startsWith('system:');

/**
 * The final guard every decision passes. Off the node path, no `system:` username or group (nor a
 * uid posing as one); on it, exactly `system:node:<claimed node>` in exactly `system:nodes`.
 */
export function guardIdentity(identity: Identity, claims: SealClaims): IdentityResult {
  const { user } = identity;
  if (identity.path === 'node') {
    const expected = `${NODE_USERNAME_PREFIX}${claims.node ?? ''}`;
    const exact = claims.node !== undefined && user.username === expected && user.groups.length === 1 && user.groups[0] === NODES_GROUP;
    return exact ? { ok: true, identity } : refuse('system_identity_refused');
  }
  if (isSystem(user.username) || isSystem(user.uid) || user.groups.some(isSystem)) return refuse('system_identity_refused');
  return { ok: true, identity };
}
