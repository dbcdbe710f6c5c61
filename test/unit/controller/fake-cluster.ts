/**
 * An in-memory stand-in for the apiserver behind ControllerKube: resourceVersions, conditional
 * merge patches of Nodes (409 on a stale resourceVersion), status patches, pods that an eviction
 * marks terminating and a "kubelet" step removes, and a PDB that refuses evictions with the
 * apiserver's real 429 body until allowed.
 */
import { KubeApiError } from '../../../src/k8s/rest.ts';
import { canonicalJson } from '../../../src/k8s/patch.ts';
import type { ControllerKube, EvictionResult, PodRef } from '../../../src/controller/kube-port.ts';
import type { ListWatchSource } from '../../../src/k8s/informer.ts';
import type { NodeLike, PodLike } from '../../../src/k8s/objects.ts';
import type { WatchEvent } from '../../../src/k8s/rest.ts';
import type { SealBinding } from '../../../src/k8s/sealbinding.ts';

type Json = Record<string, unknown>;

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Json = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeCluster implements ControllerKube {
  rv = 100;
  bindings = new Map<string, SealBinding>();
  nodes = new Map<string, NodeLike>();
  pods = new Map<string, PodLike>();
  /** PDB name → whether it currently allows a disruption; pods with label pdb=<name> are covered. */
  pdbAllows = new Map<string, boolean>();
  calls: string[] = [];
  /** Evictions are accepted but the pod stays as it was (its DELETED event "still on its way"). */
  quietEvictions = false;
  /** Make the next node patch fail with 409 after applying this change to the stored node. */
  interfereNextNodePatch: ((node: NodeLike) => void) | undefined;

  /** Open pod watches: node name → listeners. */
  #podWatches = new Set<{ node: string; emit(e: WatchEvent<PodLike>): void }>();

  #next(): string {
    return String(++this.rv);
  }

  #podChanged(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: PodLike): void {
    pod.metadata = { ...pod.metadata, resourceVersion: this.#next() };
    for (const w of this.#podWatches) if (w.node === pod.spec?.nodeName) w.emit({ type, object: structuredClone(pod) });
  }

  podsOnNode(nodeName: string): ListWatchSource<PodLike> {
    return {
      list: async () => {
        this.calls.push(`listPods ${nodeName}`);
        return { items: [...this.pods.values()].filter((p) => p.spec?.nodeName === nodeName).map((p) => structuredClone(p)), resourceVersion: String(this.rv) };
      },
      watch: (_query, onEvent) => {
        const watch = { node: nodeName, emit: onEvent };
        this.#podWatches.add(watch);
        let end!: () => void;
        const done = new Promise<void>((resolve) => (end = resolve));
        return { done, abort: () => { this.#podWatches.delete(watch); end(); } };
      },
    };
  }

  openPodWatches(): number {
    return this.#podWatches.size;
  }

  addBinding(b: SealBinding): SealBinding {
    const stored = structuredClone(b);
    stored.metadata.resourceVersion = this.#next();
    this.bindings.set(b.metadata.name ?? '', stored);
    return stored;
  }

  addNode(name: string, spec: NodeLike['spec'] = {}): NodeLike {
    const node: NodeLike = { metadata: { name, uid: `node-uid-${name}`, resourceVersion: this.#next() }, spec };
    this.nodes.set(name, node);
    return structuredClone(node);
  }

  addPod(nodeName: string, name: string, extra: Partial<NonNullable<PodLike['metadata']>> = {}): void {
    const pod: PodLike = { metadata: { name, namespace: 'app', uid: `uid-${name}`, ...extra }, spec: { nodeName } };
    this.pods.set(`app/${name}`, pod);
    this.#podChanged('ADDED', pod);
  }

  /** What a kubelet (kwok) does: terminating pods go away. */
  kubeletStep(): void {
    for (const [key, pod] of this.pods) {
      if (!pod.metadata?.deletionTimestamp) continue;
      this.pods.delete(key);
      this.#podChanged('DELETED', pod);
    }
  }

  async getNode(name: string): Promise<NodeLike | null> {
    this.calls.push(`getNode ${name}`);
    const node = this.nodes.get(name);
    return node ? structuredClone(node) : null;
  }

  async patchNode(name: string, patch: object): Promise<NodeLike> {
    this.calls.push(`patchNode ${name}`);
    const node = this.nodes.get(name);
    if (!node) throw new KubeApiError('PATCH', `/api/v1/nodes/${name}`, 404, { reason: 'NotFound' });
    if (this.interfereNextNodePatch) {
      this.interfereNextNodePatch(node);
      this.interfereNextNodePatch = undefined;
      node.metadata = { ...node.metadata, resourceVersion: this.#next() };
    }
    const precondition = (patch as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
    if (precondition && precondition !== node.metadata?.resourceVersion) {
      throw new KubeApiError('PATCH', `/api/v1/nodes/${name}`, 409, { reason: 'Conflict' });
    }
    const next = mergePatch(node, patch) as NodeLike;
    next.metadata = { ...next.metadata, resourceVersion: this.#next() };
    this.nodes.set(name, next);
    return structuredClone(next);
  }

  async patchBindingStatus(name: string, statusPatch: Record<string, unknown>): Promise<SealBinding> {
    this.calls.push(`patchStatus ${name}`);
    const b = this.bindings.get(name);
    if (!b) throw new KubeApiError('PATCH', name, 404, { reason: 'NotFound' });
    // Stored the way the apiserver hands custom resources back: keys in its own (sorted) order.
    const next = { ...b, status: JSON.parse(canonicalJson(mergePatch(b.status ?? {}, statusPatch))) } as SealBinding;
    next.metadata = { ...next.metadata, resourceVersion: this.#next() };
    this.bindings.set(name, next);
    return structuredClone(next);
  }

  async evictPod(ref: PodRef): Promise<EvictionResult> {
    this.calls.push(`evict ${ref.name}`);
    const pod = this.pods.get(`${ref.namespace}/${ref.name}`);
    if (!pod || pod.metadata?.uid !== ref.uid) return { result: 'gone' };
    const pdb = pod.metadata?.labels?.pdb;
    if (pdb && !this.pdbAllows.get(pdb)) {
      return {
        result: 'blocked',
        status: { reason: 'TooManyRequests', details: { causes: [{ type: 'DisruptionBudget', message: `The disruption budget ${pdb} needs 1 healthy pods and has 1 currently` }] } },
      };
    }
    if (this.quietEvictions) return { result: 'evicted' };
    pod.metadata = { ...pod.metadata, deletionTimestamp: '2030-01-01T00:00:00Z' };
    this.#podChanged('MODIFIED', pod);
    return { result: 'evicted' };
  }

  async deletePod(ref: PodRef): Promise<'deleted' | 'gone'> {
    this.calls.push(`delete ${ref.name}`);
    const key = `${ref.namespace}/${ref.name}`;
    const pod = this.pods.get(key);
    if (!pod || pod.metadata?.uid !== ref.uid) return 'gone';
    pod.metadata = { ...pod.metadata, deletionTimestamp: '2030-01-01T00:00:00Z' };
    this.#podChanged('MODIFIED', pod);
    return 'deleted';
  }

  async listPdbs(): Promise<[]> {
    return [];
  }
}
