/**
 * The cluster operations the controller performs, as a port: src/k8s/api.ts implements it over the
 * apiserver (kubePort below), unit tests over an in-memory cluster.
 */
import {
  deletePod,
  evictPod,
  getNode,
  listPdbs,
  podsOnNodeSource,
  patchNode,
  patchSealBindingStatus,
  type EvictionResult,
  type PodRef,
} from '../k8s/api.ts';
import type { ListWatchSource } from '../k8s/informer.ts';
import type { NodeLike, PdbLike, PodLike } from '../k8s/objects.ts';
import type { KubeRest } from '../k8s/rest.ts';
import type { SealBinding } from '../k8s/sealbinding.ts';

export type { EvictionResult, PodRef };

export interface ControllerKube {
  getNode(name: string): Promise<NodeLike | null>;
  /** Merge patch; throws an error with `status: 409` when its resourceVersion precondition fails. */
  patchNode(name: string, patch: object): Promise<NodeLike>;
  patchBindingStatus(name: string, statusPatch: Record<string, unknown>): Promise<SealBinding>;
  /** List + watch of the pods bound to one node (`fieldSelector=spec.nodeName=<node>`). */
  podsOnNode(nodeName: string): ListWatchSource<PodLike>;
  evictPod(pod: PodRef, gracePeriodSeconds?: number): Promise<EvictionResult>;
  deletePod(pod: PodRef, gracePeriodSeconds?: number): Promise<'deleted' | 'gone'>;
  listPdbs(namespace: string): Promise<PdbLike[]>;
}

export function kubePort(rest: KubeRest): ControllerKube {
  return {
    getNode: (name) => getNode(rest, name),
    patchNode: (name, patch) => patchNode(rest, name, patch),
    patchBindingStatus: (name, statusPatch) => patchSealBindingStatus(rest, name, statusPatch),
    podsOnNode: (nodeName) => podsOnNodeSource(rest, nodeName),
    evictPod: (pod, grace) => evictPod(rest, pod, grace),
    deletePod: (pod, grace) => deletePod(rest, pod, grace),
    listPdbs: (namespace) => listPdbs(rest, namespace),
  };
}
