/**
 * The Kubernetes side of the slash-drain benchmark: install the CRD, make kwok nodes, bare pods
 * bound to them and SealBindings, and observe (through watchdog informers, from outside the
 * controller) when each slashed node gets its taint and when its last pod is gone.
 */
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { createSealBinding } from '../../src/k8s/api.ts';
import { Informer } from '../../src/k8s/informer.ts';
import type { NodeLike, PodLike } from '../../src/k8s/objects.ts';
import { isStatus, type KubeRest } from '../../src/k8s/rest.ts';
import { SEALBINDING_API_VERSION, SEALBINDING_KIND, STAKE_REVOKED_TAINT_KEY } from '../../src/k8s/sealbinding.ts';

export const NAMESPACE = 'slash-bench';

/** Runs `task` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function createIgnoringExisting(rest: KubeRest, path: string, body: unknown): Promise<void> {
  try {
    await rest.request('POST', path, { body });
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
  }
}

export async function installCrd(rest: KubeRest): Promise<void> {
  const crd = load(readFileSync(new URL('../../crds/sealbinding.yaml', import.meta.url), 'utf8'));
  await createIgnoringExisting(rest, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  for (let i = 0; i < 100; i++) {
    try {
      await rest.request('GET', '/apis/daas.io/v1alpha1/sealbindings', { query: { limit: 1 } });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('the SealBinding CRD did not become served');
}

export function nodeName(i: number): string {
  return `bench-${String(i).padStart(4, '0')}`;
}

export async function createNodes(rest: KubeRest, count: number, concurrency = 32): Promise<void> {
  await pool(Array.from({ length: count }, (_, i) => nodeName(i)), concurrency, (name) =>
    createIgnoringExisting(rest, '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, type: 'kwok' }, annotations: { 'kwok.x-k8s.io/node': 'fake' } },
    }),
  );
}

/** Bare pods with spec.nodeName set (no scheduler round trip), `perNode` on each node. */
export async function createPods(rest: KubeRest, nodes: readonly string[], perNode: number, concurrency = 48): Promise<void> {
  await createIgnoringExisting(rest, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  const pods = nodes.flatMap((node) => Array.from({ length: perNode }, (_, j) => ({ node, name: `${node}-p${j}` })));
  await pool(pods, concurrency, ({ node, name }) =>
    createIgnoringExisting(rest, `/api/v1/namespaces/${NAMESPACE}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'bench', node } },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }],
        tolerations: [{ operator: 'Exists' }],
      },
    }),
  );
}

export async function createBindings(rest: KubeRest, bindings: ReadonlyArray<{ node: string; owner: string; stakeRecord: string }>, concurrency = 32): Promise<void> {
  await pool(bindings, concurrency, async ({ node, owner, stakeRecord }) => {
    try {
      await createSealBinding(rest, { apiVersion: SEALBINDING_API_VERSION, kind: SEALBINDING_KIND, metadata: { name: node }, spec: { nodeName: node, owner, stakeRecord } });
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
  });
}

/** Polls `check` until true (or throws after `timeoutMs`, naming `what`). */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Watches nodes and the benchmark's pods; records, per watched node, when our taint first appeared
 * and when its last (non-terminating or terminating) pod disappeared.
 */
export class Observer {
  readonly cordonedAt = new Map<string, number>();
  readonly drainedAt = new Map<string, number>();
  readonly nodes: Informer<NodeLike>;
  readonly pods: Informer<PodLike>;
  readonly #watched = new Set<string>();
  readonly #podsOn = new Map<string, Set<string>>();

  constructor(nodes: Informer<NodeLike>, pods: Informer<PodLike>) {
    this.nodes = nodes;
    this.pods = pods;
    const onNode = (node: NodeLike) => {
      const name = node.metadata?.name ?? '';
      if (this.#watched.has(name) && !this.cordonedAt.has(name) && node.spec?.taints?.some((t) => t.key === STAKE_REVOKED_TAINT_KEY)) {
        this.cordonedAt.set(name, Date.now());
      }
    };
    nodes.on('add', onNode).on('update', onNode);
    const onPod = (pod: PodLike, gone: boolean) => {
      const node = pod.spec?.nodeName ?? '';
      const set = this.#podsOn.get(node) ?? new Set<string>();
      this.#podsOn.set(node, set);
      if (gone) set.delete(pod.metadata?.name ?? '');
      else set.add(pod.metadata?.name ?? '');
      if (gone && set.size === 0 && this.#watched.has(node) && !this.drainedAt.has(node)) this.drainedAt.set(node, Date.now());
    };
    pods.on('add', (p) => onPod(p, false)).on('update', (p) => onPod(p, false)).on('delete', (p) => onPod(p, true));
  }

  watch(nodeNames: readonly string[]): void {
    for (const n of nodeNames) this.#watched.add(n);
  }

  podsOn(node: string): number {
    return this.#podsOn.get(node)?.size ?? 0;
  }
}
