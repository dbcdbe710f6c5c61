/**
 * Operator settings of the admission webhook. Defaults and their reasons are in docs/admission.md:
 * both webhooks fail closed (`Fail`), and control-plane nodes are exempt by label so they never
 * depend on the webhook (the manifest also keeps them out of its objectSelector).
 */

export type FailurePolicy = 'Fail' | 'Ignore';

export interface LabelExemption {
  key: string;
  /** undefined: the label only has to exist. */
  value?: string;
}

export interface AdmissionConfig {
  /** Node names admitted without a binding: exact names, or a prefix ending in `*` (`cp-*`). */
  exemptNodeNames: string[];
  /** Nodes carrying any of these labels are admitted without a binding. */
  exemptNodeLabels: LabelExemption[];
  failurePolicy: { sealBindings: FailurePolicy; nodes: FailurePolicy };
  timeoutSeconds: number;
}

/**
 * What a staker may put in its own binding's drainPolicy (the pods on its node are other tenants'):
 * the policy runs against their workloads, so the operator bounds it. Requests by holders of the
 * operator grant (BIND_ANY_OWNER) are not capped — they set these limits.
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

/**
 * The operator grant: creating, renewing or changing a binding owned by someone else needs
 * `kubectl auth can-i bind-any-owner sealbindings.daas.io` (a SubjectAccessReview the webhook sends;
 * deploy/rbac/bindings.yaml grants it to the `daas:binding-operators` group).
 */
export const BIND_ANY_OWNER = { group: 'daas.io', resource: 'sealbindings', verb: 'bind-any-owner' } as const;

/** Per-client admission rate limit (token bucket per source address). */
export interface AdmissionRateLimit {
  perSecond: number;
  burst: number;
}

export const DEFAULT_ADMISSION_RATE_LIMIT: AdmissionRateLimit = { perSecond: 50, burst: 100 };

export const DEFAULT_ADMISSION_CONFIG: AdmissionConfig = {
  exemptNodeNames: [],
  exemptNodeLabels: [{ key: 'node-role.kubernetes.io/control-plane' }],
  failurePolicy: { sealBindings: 'Fail', nodes: 'Fail' },
  timeoutSeconds: 5,
};

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** `key` or `key=value` → LabelExemption; throws on a malformed entry (config is validated at start). */
export function parseLabelExemption(text: string): LabelExemption {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  if (!LABEL_KEY.test(key) || key.length > 316) throw new Error(`invalid label key in node exemption: ${JSON.stringify(text)}`);
  return eq < 0 ? { key } : { key, value: text.slice(eq + 1) };
}

export function isExemptNode(config: Pick<AdmissionConfig, 'exemptNodeNames' | 'exemptNodeLabels'>, name: string, labels: Record<string, string> = {}): boolean {
  const byName = config.exemptNodeNames.some((pattern) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern));
  if (byName) return true;
  return config.exemptNodeLabels.some(({ key, value }) => Object.hasOwn(labels, key) && (value === undefined || labels[key] === value));
}
