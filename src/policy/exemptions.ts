/**
 * Which nodes need no SealBinding: control-plane nodes never depend on a stake (docs/admission.md).
 * The admission webhook admits them unbound, the controller refuses bindings that name them, and the
 * serve process skips them — all by this one rule.
 */

export interface LabelExemption {
  key: string;
  /** undefined: the label only has to exist. */
  value?: string;
}

export interface NodeExemptions {
  /** Node names admitted without a binding: exact names, or a prefix ending in `*` (`cp-*`). */
  exemptNodeNames: string[];
  /** Nodes carrying any of these labels are admitted without a binding. */
  exemptNodeLabels: LabelExemption[];
}

/** The default: nodes labelled control-plane. */
export const DEFAULT_NODE_EXEMPTIONS: NodeExemptions = {
  exemptNodeNames: [],
  exemptNodeLabels: [{ key: 'node-role.kubernetes.io/control-plane' }],
};

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** `key` or `key=value` → LabelExemption; throws on a malformed entry (config is validated at start). */
export function parseLabelExemption(text: string): LabelExemption {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  if (!LABEL_KEY.test(key) || key.length > 316) throw new Error(`invalid label key in node exemption: ${JSON.stringify(text)}`);
  return eq < 0 ? { key } : { key, value: text.slice(eq + 1) };
}

export function isExemptNode(exemptions: NodeExemptions, name: string, labels: Record<string, string> = {}): boolean {
  const byName = exemptions.exemptNodeNames.some((pattern) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern));
  if (byName) return true;
  return exemptions.exemptNodeLabels.some(({ key, value }) => Object.hasOwn(labels, key) && (value === undefined || labels[key] === value));
}
