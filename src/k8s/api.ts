/**
 * The Kubernetes calls daas-auth makes, over KubeRest, each with its exact path, verb and content
 * type. Controller and admission code depend on the narrow ports (LeaseClient, EventSink,
 * ListWatchSource, ControllerKube); this module is the one implementation over a real apiserver.
 */
import type { EventSink } from './events.ts';
import { trimForCache, type ListWatchSource } from './informer.ts';
import type { Lease, LeaseClient } from './leader.ts';
import type { NodeLike, PdbLike, PodLike } from './objects.ts';
import { patchContentType } from './patch.ts';
import { isStatus, type KubeRest, type KubeStatus } from './rest.ts';
import { SEALBINDING_GROUP, SEALBINDING_PLURAL, SEALBINDING_VERSION, type SealBinding } from './sealbinding.ts';

const enc = encodeURIComponent;
const BINDINGS = `/apis/${SEALBINDING_GROUP}/${SEALBINDING_VERSION}/${SEALBINDING_PLURAL}`;

interface List<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

/** LIST with pagination (500 per page), so a large cluster is read in bounded responses. */
async function listAll<T>(rest: KubeRest, path: string, query: Record<string, string | undefined> = {}): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let cont: string | undefined;
  let resourceVersion = '';
  do {
    const page = await rest.request<List<T>>('GET', path, { query: { ...query, limit: 500, continue: cont } });
    items.push(...(page.items ?? []));
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return { items, resourceVersion };
}

function listWatch<T>(rest: KubeRest, path: string, query: Record<string, string | undefined> = {}): ListWatchSource<T> {
  return {
    list: () => listAll<T>(rest, path, query),
    watch: (watchQuery, onEvent) => rest.watch<T>(path, { ...query, ...watchQuery }, onEvent),
  };
}

// ---- SealBindings ---------------------------------------------------------------------------

export function sealBindingSource(rest: KubeRest): ListWatchSource<SealBinding> {
  return listWatch<SealBinding>(rest, BINDINGS);
}

export async function listSealBindings(rest: KubeRest, fieldSelector?: string): Promise<SealBinding[]> {
  return (await listAll<SealBinding>(rest, BINDINGS, { fieldSelector })).items;
}

export function listSealBindingsForNode(rest: KubeRest, nodeName: string): Promise<SealBinding[]> {
  return listSealBindings(rest, `spec.nodeName=${nodeName}`);
}

export async function getSealBinding(rest: KubeRest, name: string): Promise<SealBinding | null> {
  try {
    return await rest.request<SealBinding>('GET', `${BINDINGS}/${enc(name)}`);
  } catch (error) {
    if (isStatus(error, 404)) return null;
    throw error;
  }
}

export function createSealBinding(rest: KubeRest, binding: SealBinding): Promise<SealBinding> {
  return rest.request<SealBinding>('POST', BINDINGS, { body: binding });
}

/**
 * JSON merge patch of the status subresource (the controller is its only writer). The answer is
 * trimmed as an informer's copy is: the controller keeps it until its informer catches up.
 */
export async function patchSealBindingStatus(rest: KubeRest, name: string, statusPatch: Record<string, unknown>): Promise<SealBinding> {
  const written = await rest.request<SealBinding>('PATCH', `${BINDINGS}/${enc(name)}/status`, {
    body: { status: statusPatch },
    contentType: patchContentType('merge'),
  });
  return trimForCache(written);
}

// ---- Nodes, Pods, PDBs ----------------------------------------------------------------------

export function nodeSource(rest: KubeRest): ListWatchSource<NodeLike> {
  return listWatch<NodeLike>(rest, '/api/v1/nodes');
}

export async function getNode(rest: KubeRest, name: string): Promise<NodeLike | null> {
  try {
    return await rest.request<NodeLike>('GET', `/api/v1/nodes/${enc(name)}`);
  } catch (error) {
    if (isStatus(error, 404)) return null;
    throw error;
  }
}

/** Merge patch; a `metadata.resourceVersion` in the body makes it conditional (409 on a stale one). */
export function patchNode(rest: KubeRest, name: string, patch: object): Promise<NodeLike> {
  return rest.request<NodeLike>('PATCH', `/api/v1/nodes/${enc(name)}`, { body: patch, contentType: patchContentType('merge') });
}

/** The pods bound to one node, as an informer source (what a kubelet watches). */
export function podsOnNodeSource(rest: KubeRest, nodeName: string): ListWatchSource<PodLike> {
  return listWatch<PodLike>(rest, '/api/v1/pods', { fieldSelector: `spec.nodeName=${nodeName}` });
}

export async function listPdbs(rest: KubeRest, namespace: string): Promise<PdbLike[]> {
  return (await listAll<PdbLike>(rest, `/apis/policy/v1/namespaces/${enc(namespace)}/poddisruptionbudgets`)).items;
}

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export type EvictionResult =
  | { result: 'evicted' }
  /** The pod is gone, or a new pod took its name (the UID precondition failed). */
  | { result: 'gone' }
  /** A PodDisruptionBudget refused (429), named when the apiserver says which. */
  | { result: 'blocked'; pdb?: string; status: KubeStatus | undefined }
  | { result: 'error'; status: number; message: string };

/**
 * POST pods/<name>/eviction (policy/v1) with a UID precondition, so a pod recreated under the same
 * name (a StatefulSet replica) is never evicted by mistake.
 */
export async function evictPod(rest: KubeRest, pod: PodRef, gracePeriodSeconds?: number): Promise<EvictionResult> {
  const body = {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: pod.name, namespace: pod.namespace },
    deleteOptions: { preconditions: { uid: pod.uid }, ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}) },
  };
  try {
    await rest.request('POST', `/api/v1/namespaces/${enc(pod.namespace)}/pods/${enc(pod.name)}/eviction`, { body });
    return { result: 'evicted' };
  } catch (error) {
    if (isStatus(error, 404, 409)) return { result: 'gone' };
    if (isStatus(error, 429)) return { result: 'blocked', status: error.body };
    // More than one PDB selects the pod: the apiserver refuses with 500 and says so.
    if (isStatus(error, 500) && /more than one PodDisruptionBudget/i.test(error.body?.message ?? '')) return { result: 'blocked', status: error.body };
    const status = (error as { status?: number }).status ?? 0;
    return { result: 'error', status, message: (error as Error).message };
  }
}

/** DELETE with a UID precondition; past the PDBs (used only after the binding's deadline, if allowed). */
export async function deletePod(rest: KubeRest, pod: PodRef, gracePeriodSeconds?: number): Promise<'deleted' | 'gone'> {
  try {
    await rest.request('DELETE', `/api/v1/namespaces/${enc(pod.namespace)}/pods/${enc(pod.name)}`, {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: pod.uid }, ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}) },
    });
    return 'deleted';
  } catch (error) {
    if (isStatus(error, 404, 409)) return 'gone';
    throw error;
  }
}

// ---- Leases and Events --------------------------------------------------------------------

export function leaseClient(rest: KubeRest): LeaseClient {
  const path = (namespace: string, name?: string) => `/apis/coordination.k8s.io/v1/namespaces/${enc(namespace)}/leases${name ? `/${enc(name)}` : ''}`;
  return {
    async get(namespace, name) {
      try {
        return await rest.request<Lease>('GET', path(namespace, name));
      } catch (error) {
        if (isStatus(error, 404)) return null;
        throw error;
      }
    },
    create: (lease) => rest.request<Lease>('POST', path(lease.metadata.namespace), { body: lease }),
    replace: (lease) => rest.request<Lease>('PUT', path(lease.metadata.namespace, lease.metadata.name), { body: lease }),
  };
}

export function eventSink(rest: KubeRest): EventSink {
  return {
    create: (namespace, event) => rest.request('POST', `/api/v1/namespaces/${enc(namespace)}/events`, { body: event }),
    patch: (namespace, name, patch) =>
      rest.request('PATCH', `/api/v1/namespaces/${enc(namespace)}/events/${enc(name)}`, { body: patch, contentType: patchContentType('merge') }),
  };
}
