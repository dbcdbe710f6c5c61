/**
 * Operator settings of the admission webhook and their defaults (reasons in docs/admission.md):
 * both webhooks fail closed (`Fail`), and control-plane nodes are exempt by label so they never
 * depend on the webhook (the manifest also keeps them out of its objectSelector). The schema
 * (./schema.ts) fills these defaults in; the admission component and the manifest read them.
 */
import { DEFAULT_NODE_EXEMPTIONS, type NodeExemptions } from '../policy/exemptions.ts';
import type { RateLimit } from './rate-limit.ts';

export type FailurePolicy = 'Fail' | 'Ignore';

export interface AdmissionConfig extends NodeExemptions {
  failurePolicy: { sealBindings: FailurePolicy; nodes: FailurePolicy };
  timeoutSeconds: number;
}

/**
 * What a staker may put in its own binding's drainPolicy (the pods on its node are other tenants'):
 * the policy runs against their workloads, so the operator bounds it. Requests by holders of the
 * operator grant (bind-any-owner) are not capped — they set these limits.
 */
export interface DrainPolicyLimits {
  /** Least gracePeriodSeconds a staker may ask for (a smaller one kills pods before they can stop). */
  minGracePeriodSeconds: number;
  /** Least deadlineSeconds (how long PodDisruptionBudgets are honoured before a forced drain). */
  minDeadlineSeconds: number;
  /** Whether a staker may set forceAfterDeadline (deleting pods PDBs still protect). */
  allowForce: boolean;
}

export const DEFAULT_DRAIN_POLICY_LIMITS: DrainPolicyLimits = { minGracePeriodSeconds: 30, minDeadlineSeconds: 3600, allowForce: false };

/** Per-client admission rate limit (token bucket per source address). */
export const DEFAULT_ADMISSION_RATE_LIMIT: RateLimit = { perSecond: 50, burst: 100 };

export const DEFAULT_ADMISSION_CONFIG: AdmissionConfig = {
  ...DEFAULT_NODE_EXEMPTIONS,
  failurePolicy: { sealBindings: 'Fail', nodes: 'Fail' },
  timeoutSeconds: 5,
};
