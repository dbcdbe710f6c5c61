// Deployments, pods, PodDisruptionBudgets and evictions for tests.
import { ApiException, type V1Pod, type V1PodDisruptionBudgetStatus } from '@kubernetes/client-node';
import { clients, waitFor, type WaitOptions } from './kube.ts';

export interface DeploymentOptions {
  replicas: number;
  /** Labels of the pods (and the Deployment's selector). Default { app: name }. */
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
}

/** The pause image is never pulled: kwok only pretends to run containers. */
const IMAGE = 'registry.k8s.io/pause:3.10';

export async function createDeployment(
  namespace: string,
  name: string,
  opts: DeploymentOptions,
): Promise<void> {
  const labels = opts.labels ?? { app: name };
  await clients().apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: opts.replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { nodeSelector: opts.nodeSelector, containers: [{ name: 'main', image: IMAGE }] },
        },
      },
    },
  });
}

export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function isRunning(p: V1Pod): boolean {
  return p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;
}

export async function listPods(namespace: string, selector: string): Promise<V1Pod[]> {
  return (await clients().core.listNamespacedPod({ namespace, labelSelector: selector })).items;
}

/** Waits until exactly `count` pods matching `selector` are Running and not terminating. */
export async function waitForRunningPods(
  namespace: string,
  selector: string,
  count: number,
  opts?: WaitOptions,
): Promise<V1Pod[]> {
  return waitFor(
    `${count} Running pods ${selector} in ${namespace}`,
    async () => {
      const running = (await listPods(namespace, selector)).filter(isRunning);
      return running.length === count ? running : undefined;
    },
    opts,
  );
}

export interface PdbOptions {
  matchLabels: Record<string, string>;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

export async function createPdb(namespace: string, name: string, opts: PdbOptions): Promise<void> {
  await clients().policy.createNamespacedPodDisruptionBudget({
    namespace,
    body: {
      metadata: { name },
      spec: {
        selector: { matchLabels: opts.matchLabels },
        minAvailable: opts.minAvailable,
        maxUnavailable: opts.maxUnavailable,
      },
    },
  });
}

/**
 * Waits until kube-controller-manager has computed the PDB's status for its current spec and `accept`
 * holds for it.
 */
export async function waitForPdbStatus(
  namespace: string,
  name: string,
  accept: (s: V1PodDisruptionBudgetStatus) => boolean,
  opts?: WaitOptions,
): Promise<V1PodDisruptionBudgetStatus> {
  return waitFor(
    `status of PDB ${namespace}/${name}`,
    async () => {
      const pdb = await clients().policy.readNamespacedPodDisruptionBudget({ name, namespace });
      const s = pdb.status;
      const current = s !== undefined && s.observedGeneration === pdb.metadata?.generation;
      return current && accept(s) ? s : undefined;
    },
    opts,
  );
}

export interface EvictionResult {
  /** 201 evicted; 429 refused because of a PodDisruptionBudget; anything else is an error status. */
  code: number;
  message: string;
}

/** Evicts a pod through the Eviction API (policy/v1), as `kubectl drain` does. */
export async function evictPod(namespace: string, name: string): Promise<EvictionResult> {
  try {
    await clients().core.createNamespacedPodEviction({
      name,
      namespace,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
    });
    return { code: 201, message: '' };
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      // not JSON: keep the raw body
    }
    return { code: e.code, message };
  }
}
