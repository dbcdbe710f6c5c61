/**
 * The SealBinding custom resource (`daas.io/v1alpha1`, cluster-scoped): its TypeScript types, in one
 * place. crds/sealbinding.yaml is the same shape as an OpenAPI schema; keep both in step.
 *
 * A SealBinding says "node <nodeName> is backed by stake record <stakeRecord> of staker <owner>".
 * The admission webhook validates it, the controller keeps `status` in line with the chain, and the
 * authn webhook lets a kubelet token with a `node` claim through only while the binding is Active.
 */
import type { ObjectMeta } from './objects.ts';

export const SEALBINDING_GROUP = 'daas.io';
export const SEALBINDING_VERSION = 'v1alpha1';
export const SEALBINDING_PLURAL = 'sealbindings';
export const SEALBINDING_KIND = 'SealBinding';
export const SEALBINDING_LIST_KIND = 'SealBindingList';
export const SEALBINDING_API_VERSION = `${SEALBINDING_GROUP}/${SEALBINDING_VERSION}`;

/** The taint the controller puts on a node whose stake is gone. */
export const STAKE_REVOKED_TAINT_KEY = 'daas.io/stake-revoked';

// ---- spec ---------------------------------------------------------------------------------------

/** What happens to the node's pods once its stake is revoked. All fields optional; defaults below. */
export interface DrainPolicy {
  /** Grace period handed to each eviction (seconds); absent → the pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  /** How long after revocation evictions may keep waiting on PodDisruptionBudgets (seconds). */
  deadlineSeconds?: number;
  /** After the deadline, delete pods that PDBs still protect. Default false: PDBs win forever. */
  forceAfterDeadline?: boolean;
}

export const DRAIN_POLICY_DEFAULTS = {
  deadlineSeconds: 3600,
  forceAfterDeadline: false,
} as const;

export interface SealBindingSpec {
  /** The Node this stake backs (DNS-1123 subdomain). Immutable. */
  nodeName: string;
  /** The staker's Sui address. Immutable. */
  owner: string;
  /** The on-chain StakeRecord object id (a node stake of `owner`). Immutable. */
  stakeRecord: string;
  /** Optional SealToken object id; when set, its expiry bounds the binding's life. */
  sealToken?: string;
  drainPolicy?: DrainPolicy;
}

// ---- status -------------------------------------------------------------------------------------

export const SEALBINDING_PHASES = ['Pending', 'Active', 'Expired', 'Slashed', 'Withdrawn', 'Invalid'] as const;
export type SealBindingPhase = (typeof SEALBINDING_PHASES)[number];

// Which phases revoke the node (cordon, taint, drain) is the controller's: NODE_REVOKED_PHASES in src/controller/status.ts.

export const CONDITION_TYPES = {
  /** The stake record (and seal token) were read from chain and match the spec. */
  Verified: 'Verified',
  /** The node may be used: binding Active and node not cordoned by us. */
  Ready: 'Ready',
  /** The controller cordoned and tainted the node. */
  NodeCordoned: 'NodeCordoned',
  /** Every evictable pod has left the node. */
  Drained: 'Drained',
  /** Eviction is waiting on a PodDisruptionBudget; the message names it. */
  DrainBlocked: 'DrainBlocked',
} as const;
export type SealBindingConditionType = (typeof CONDITION_TYPES)[keyof typeof CONDITION_TYPES];

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition, as it travels in JSON. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  /** RFC 3339 timestamp of the last change of `status`. */
  lastTransitionTime: string;
  /** CamelCase machine-readable reason. */
  reason: string;
  message: string;
}

export interface SealBindingStatus {
  phase?: SealBindingPhase;
  /** The tier name the stake amount reaches (same table as user tokens), or '' below the lowest. */
  tier?: string;
  /** Stake amount in MIST, as a decimal string (u64 does not fit a JSON number). */
  stakeAmount?: string;
  /** The seal token's expiry epoch (decimal string), when the spec names one. */
  expiresEpoch?: string;
  observedGeneration?: number;
  /** RFC 3339 time of the last successful chain read. */
  lastVerified?: string;
  /** RFC 3339 time the controller first saw the stake revoked; the drain deadline counts from here. */
  revokedAt?: string;
  conditions?: Condition[];
}

export interface SealBinding {
  apiVersion: typeof SEALBINDING_API_VERSION;
  kind: typeof SEALBINDING_KIND;
  metadata: ObjectMeta;
  spec: SealBindingSpec;
  status?: SealBindingStatus;
}

export interface SealBindingList {
  apiVersion: typeof SEALBINDING_API_VERSION;
  kind: typeof SEALBINDING_LIST_KIND;
  metadata: { resourceVersion?: string; continue?: string };
  items: SealBinding[];
}

// ---- small pure helpers others share ---------------------------------------------------------

export function findCondition(status: SealBindingStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((condition) => condition.type === type);
}

/**
 * Whether this binding lets a kubelet token act as `system:node:<node>`: it must be Active, observed at
 * its current generation (a spec edit is not trusted before the controller re-verifies it), and name
 * exactly this node, owner and stake record. The authn webhook calls this; nothing else may grant a
 * `system:node:` identity.
 */
export function bindingAuthorizesNode(
  binding: SealBinding,
  claim: { node: string; owner: string; stakeRecord: string },
): boolean {
  const { spec, status, metadata } = binding;
  if (status?.phase !== 'Active') return false;
  if (metadata.deletionTimestamp) return false;
  if (metadata.generation !== undefined && status.observedGeneration !== metadata.generation) return false;
  return spec.nodeName === claim.node && spec.owner === claim.owner && spec.stakeRecord === claim.stakeRecord;
}

/** Orders bindings by age: creationTimestamp (RFC 3339, so text order is time order), then name. */
function olderFirst(a: SealBinding, b: SealBinding): number {
  const age = (x: SealBinding) => `${x.metadata.creationTimestamp ?? ''}|${x.metadata.name ?? ''}`;
  return age(a).localeCompare(age(b));
}

/**
 * Of the bindings naming one node, the one that holds it: the oldest (creationTimestamp, then name).
 * Racing creates can both be stored; the controller marks every other one Invalid (DuplicateNode), and
 * the authn index and admission follow this same rule, so a late duplicate can never lock out or
 * replace the first binding. undefined for an empty list.
 */
export function rightfulBinding(bindings: Iterable<SealBinding>): SealBinding | undefined {
  let first: SealBinding | undefined;
  for (const b of bindings) if (!first || olderFirst(b, first) < 0) first = b;
  return first;
}
