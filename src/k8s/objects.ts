/**
 * The few fields of core Kubernetes objects the controller and admission webhook read, as structural
 * types: objects from @kubernetes/client-node's typed API (V1Node, V1Pod, ...) fit them, and so do
 * plain JSON objects from an AdmissionReview or a test.
 */

export interface OwnerReferenceLike {
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface MetaLike {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReferenceLike[];
  deletionTimestamp?: string | Date;
  creationTimestamp?: string | Date;
}

export interface TaintLike {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string | Date;
}

export interface NodeLike {
  metadata?: MetaLike;
  spec?: { unschedulable?: boolean; taints?: TaintLike[] };
}

export interface PodLike {
  metadata?: MetaLike;
  spec?: { nodeName?: string; terminationGracePeriodSeconds?: number };
  status?: { phase?: string };
}

export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface PdbLike {
  metadata?: MetaLike;
  spec?: { selector?: LabelSelectorLike };
}

/** `namespace/name` (or `name` for cluster-scoped objects). */
export function objectKey(meta: MetaLike | undefined): string {
  const name = meta?.name ?? '';
  return meta?.namespace ? `${meta.namespace}/${name}` : name;
}
