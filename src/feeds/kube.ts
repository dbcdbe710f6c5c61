/**
 * The process's one Kubernetes client: the kubeconfig is loaded once and one KubeRest (one keep-alive
 * connection pool, one User-Agent) serves every component — the SealBinding watcher, the admission
 * webhook's lookups and grants, the controller's informers, Lease, Events and patches.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../k8s/rest.ts';

export interface KubeAccess {
  /** Kubeconfig file; absent: in-cluster, else $KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string;
}

export interface KubeClient {
  kubeConfig: KubeConfig;
  rest: KubeRest;
  close(): void;
}

export function loadKubeConfig(file?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (file) kubeConfig.loadFromFile(file);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}

export async function openKubeClient(access: KubeAccess): Promise<KubeClient> {
  const kubeConfig = loadKubeConfig(access.kubeconfig);
  const rest = await KubeRest.fromKubeConfig(kubeConfig);
  return { kubeConfig, rest, close: () => rest.close() };
}
