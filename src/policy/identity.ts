/**
 * The Kubernetes names a seal token maps to (docs/design.md §3 step 5): the username and group prefixes and
 * the `extra` keys of a TokenReview answer. authn builds identities from them, authz and admission
 * recognise them, rbac writes the tier groups into RoleBindings.
 */

/** Every staker's group. */
export const STAKERS_GROUP = 'daas:stakers';
/** `daas:tier:<tier name>`: the group deploy/rbac binds to the tier's ClusterRole. */
export const TIER_GROUP_PREFIX = 'daas:tier:';
/** A staker's username is `sui:<address>`. */
export const USERNAME_PREFIX = 'sui:';
/** A worker's kubelet identity: `system:node:<node name>` in `system:nodes`. */
export const NODE_USERNAME_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';
export const EXTRA_KEYS = {
  sealToken: 'daas.io/seal-token',
  stakeRecord: 'daas.io/stake-record',
  stakeMist: 'daas.io/stake-mist',
  tier: 'daas.io/tier',
} as const;
