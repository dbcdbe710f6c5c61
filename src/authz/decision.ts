/**
 * The authorization webhook's decision (docs/authn.md "Revocation at kube-apiserver"), pure: deny a
 * request of a daas-auth identity whose stake or SealToken was revoked on chain, or — for a node
 * identity — whose SealBinding no longer authorizes the node; otherwise no opinion, so Node and RBAC
 * decide as they would without this webhook. It never allows anything.
 *
 * Why it exists: kube-apiserver keeps every successful token authentication for a fixed 10 s
 * before asking the token webhook again, so a slashed staker's token would go on working that long.
 * Authorization is asked on every request, uncached when so configured.
 */
import { EXTRA_KEYS, NODE_USERNAME_PREFIX } from '../policy/identity.ts';
import type { BindingSource } from '../feeds/bindings.ts';
import { bindingAuthorizesNode } from '../k8s/sealbinding.ts';
import type { SarRequest, SarStatus } from '../k8s/subjectaccessreview.ts';
import type { RevokedSet } from './revoked.ts';

/** Bounded label values of daas_auth_authorize_total{result}. */
export type AuthorizeResult = 'denied_stake_revoked' | 'denied_token_revoked' | 'denied_binding_ended' | 'no_opinion';

export interface AuthorizeDecision {
  result: AuthorizeResult;
  status: SarStatus;
}

export interface AuthorizeDeps {
  revoked: Pick<RevokedSet, 'causeOf'>;
  bindings: Pick<BindingSource, 'forNode' | 'staleness'>;
}

const NO_OPINION: AuthorizeDecision = { result: 'no_opinion', status: { allowed: false } };

const deny = (result: AuthorizeResult, reason: string): AuthorizeDecision => ({ result, status: { allowed: false, denied: true, reason } });

export function decideAuthorization(spec: SarRequest['spec'], deps: AuthorizeDeps): AuthorizeDecision {
  const records = spec.extra[EXTRA_KEYS.stakeRecord] ?? [];
  const tokens = spec.extra[EXTRA_KEYS.sealToken] ?? [];
  for (const record of records) {
    const cause = deps.revoked.causeOf(record);
    if (cause) return deny('denied_stake_revoked', `daas-auth: stake record ${record} revoked on chain (${cause})`);
  }
  for (const token of tokens) {
    const cause = deps.revoked.causeOf(token);
    if (cause) return deny('denied_token_revoked', `daas-auth: SealToken ${token} revoked on chain (${cause})`);
  }
  if (spec.user.startsWith(NODE_USERNAME_PREFIX) && records.length > 0) return nodeBinding(spec.user.slice(NODE_USERNAME_PREFIX.length), records, deps);
  return NO_OPINION;
}

/**
 * A node identity from daas-auth holds while its node's SealBinding is Active for its stake record
 * (what the token webhook checked). The owner is not part of the identity; the record names it (one
 * staker per record), so the binding's own owner is passed. While the index may be out of date, no
 * opinion: the token webhook refuses such tokens itself within the apiserver's 10 s.
 */
function nodeBinding(node: string, records: readonly string[], deps: AuthorizeDeps): AuthorizeDecision {
  if (deps.bindings.staleness?.()) return NO_OPINION;
  const binding = deps.bindings.forNode(node);
  const holds = binding !== undefined && records.every((stakeRecord) => bindingAuthorizesNode(binding, { node, owner: binding.spec.owner, stakeRecord }));
  return holds ? NO_OPINION : deny('denied_binding_ended', `daas-auth: node ${node} has no Active SealBinding for its stake record`);
}
