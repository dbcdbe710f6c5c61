/**
 * The few fields of Kubernetes objects the product reads, as structural types over the JSON the
 * apiserver sends (timestamps are RFC 3339 strings): one ObjectMeta for every kind, SealBinding
 * included, and one objectKey.
 */

export interface OwnerReferenceLike {
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReferenceLike[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

export interface TaintLike {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string | Date;
}

export interface NodeLike {
  metadata?: ObjectMeta;
  spec?: { unschedulable?: boolean; taints?: TaintLike[] };
}

export interface PodLike {
  metadata?: ObjectMeta;
  spec?: { nodeName?: string; terminationGracePeriodSeconds?: number };
  status?: { phase?: string };
}

export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface PdbLike {
  metadata?: ObjectMeta;
  spec?: { selector?: LabelSelectorLike };
}

/** `namespace/name` (or `name` for cluster-scoped objects). */
export function objectKey(meta: Pick<ObjectMeta, 'name' | 'namespace'> | undefined): string {
  const name = meta?.name ?? '';
  return meta?.namespace ? `${meta.namespace}/${name}` : name;
}
