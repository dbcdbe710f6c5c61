/**
 * Helpers of the SealBinding / controller e2e tests: node stakes on the run's sui-sim, SealBindings and
 * their status and Events through the real apiserver, kwok nodes that need a binding, workloads pinned
 * to a node, and extra controller processes (`daas-auth serve --mode controller`) for the failover test.
 */
import type { ChildProcess } from 'node:child_process';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { ChainWriter } from '../../src/chain/writer.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { createSealBinding, getSealBinding } from '../../src/k8s/api.ts';
import { KubeRest } from '../../src/k8s/rest.ts';
import { SEALBINDING_API_VERSION, SEALBINDING_KIND, type SealBinding, type SealBindingPhase, type SealBindingSpec } from '../../src/k8s/sealbinding.ts';
import { startControllerServe, type ControllerServeOptions } from '../../hack/lib/controller-serve.ts';
import { adminKubeConfig, e2eEnv, fundedKey, localNetwork, waitFor } from './harness/index.ts';

let restPromise: Promise<KubeRest> | undefined;

/** The admin identity's JSON client (src/k8s/rest.ts), shared by a test file. */
export function kube(): Promise<KubeRest> {
  restPromise ??= KubeRest.fromKubeConfig(adminKubeConfig());
  return restPromise;
}

export async function closeKube(): Promise<void> {
  if (restPromise) (await restPromise).close();
  restPromise = undefined;
}

export interface NodeStaker {
  key: Ed25519Keypair;
  address: string;
  writer: ChainWriter;
  recordId: string;
}

/** A fresh funded key that stakes `sui` SUI as a node stake for `node`. */
export async function stakeNode(node: string, sui = 2n): Promise<NodeStaker> {
  const key = await fundedKey(sui + 5n);
  const writer = new ChainWriter(localNetwork(), key);
  const { recordId } = await writer.stake({ mist: sui * MIST_PER_SUI, kind: 'node', nodeId: node });
  return { key, address: key.toSuiAddress(), writer, recordId };
}

/** The AdminCap holder of the run's sim (the slasher). */
export function adminWriter(): ChainWriter {
  const key = Ed25519Keypair.fromSecretKey(decodeSuiPrivateKey(e2eEnv().sim.network.adminKey).secretKey);
  return new ChainWriter(localNetwork(), key);
}

export async function slash(recordId: string): Promise<void> {
  const writer = adminWriter();
  try {
    await writer.slash(recordId, 'e2e', e2eEnv().sim.network.adminCapId);
  } finally {
    writer.close();
  }
}

export function bindingObject(name: string, spec: SealBindingSpec): SealBinding {
  return { apiVersion: SEALBINDING_API_VERSION, kind: SEALBINDING_KIND, metadata: { name }, spec };
}

export async function createBinding(name: string, spec: SealBindingSpec): Promise<SealBinding> {
  return createSealBinding(await kube(), bindingObject(name, spec));
}

export async function binding(name: string): Promise<SealBinding | null> {
  return getSealBinding(await kube(), name);
}

export async function deleteBinding(name: string): Promise<void> {
  await (await kube()).request('DELETE', `/apis/daas.io/v1alpha1/sealbindings/${name}`).catch(() => undefined);
}

export function condition(b: SealBinding | null, type: string) {
  return b?.status?.conditions?.find((c) => c.type === type);
}

export async function waitForPhase(name: string, phase: SealBindingPhase, timeoutMs = 30_000): Promise<SealBinding> {
  return waitFor(`SealBinding ${name} ${phase}`, async () => {
    const b = await binding(name);
    return b?.status?.phase === phase ? b : undefined;
  }, { timeoutMs, intervalMs: 50 });
}

export async function waitForCondition(name: string, type: string, status: 'True' | 'False', timeoutMs = 60_000): Promise<SealBinding> {
  return waitFor(`SealBinding ${name} ${type}=${status}`, async () => {
    const b = await binding(name);
    return b && condition(b, type)?.status === status ? b : undefined;
  }, { timeoutMs, intervalMs: 100 });
}

interface EventItem {
  reason?: string;
  message?: string;
  type?: string;
}

/** Reasons of the Events recorded for an object (cluster-scoped objects' Events live in `default`). */
export async function eventReasons(kind: 'SealBinding' | 'Node', name: string): Promise<string[]> {
  const list = await (await kube()).request<{ items?: EventItem[] }>('GET', '/api/v1/namespaces/default/events', {
    query: { fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` },
  });
  return (list.items ?? []).map((e) => e.reason ?? '');
}

export interface NodeState {
  unschedulable: boolean;
  taints: Array<{ key: string; value?: string; effect: string }>;
}

export async function nodeState(name: string): Promise<NodeState> {
  const node = await (await kube()).request<{ spec?: { unschedulable?: boolean; taints?: NodeState['taints'] } }>('GET', `/api/v1/nodes/${name}`);
  return { unschedulable: node.spec?.unschedulable === true, taints: node.spec?.taints ?? [] };
}

export function hasRevokedTaint(state: NodeState): boolean {
  return state.taints.some((t) => t.key === 'daas.io/stake-revoked' && t.effect === 'NoSchedule');
}

interface PodItem {
  metadata: { name: string; namespace: string; ownerReferences?: Array<{ kind: string }>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { phase?: string };
}

export async function podsOnNode(node: string, namespace?: string): Promise<PodItem[]> {
  const path = namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
  const list = await (await kube()).request<{ items: PodItem[] }>('GET', path, { query: { fieldSelector: `spec.nodeName=${node}` } });
  return list.items;
}

/** A DaemonSet running one pod on every node matching `nodeSelector` (tolerating our taint, as agents do). */
export async function createDaemonSet(namespace: string, name: string, nodeSelector: Record<string, string>): Promise<void> {
  const labels = { app: name };
  await (await kube()).request('POST', `/apis/apps/v1/namespaces/${namespace}/daemonsets`, {
    body: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { nodeSelector, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] },
        },
      },
    },
  });
}

export async function patchPdb(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await (await kube()).request('PATCH', `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets/${name}`, {
    body: { spec },
    contentType: 'application/merge-patch+json',
  });
}

/** A controller of its own (`daas-auth serve --mode controller`), as a separate process of the run's cluster and sim. */
export interface ControllerProcess {
  identity: string;
  child: ChildProcess;
  /** Output lines (JSON logs) so far. */
  log: string[];
  exited: Promise<number | null>;
}

export async function startControllerProcess(identity: string, timings: ControllerServeOptions['timings']): Promise<ControllerProcess> {
  const { cluster, sim, runDir } = e2eEnv();
  const log: string[] = [];
  const { child, exited } = await startControllerServe({
    identity,
    kubeconfig: cluster.kubeconfig,
    network: { name: 'local', stateDir: sim.stateDir },
    tls: { certFile: cluster.webhook.servingCertFile, keyFile: cluster.webhook.servingKeyFile, caFile: cluster.webhook.caFile, clientCaFile: cluster.webhook.clientCaFile },
    dir: runDir,
    timings,
    logLevel: 'debug',
    onLine: (line) => log.push(line),
  });
  return { identity, child, log, exited };
}

export async function stopControllerProcess(p: ControllerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  await p.exited;
}

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
  acquireTime?: string;
  leaseTransitions?: number;
}

export const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/daas-auth-controller';

export async function lease(): Promise<{ metadata: { resourceVersion: string }; spec: LeaseSpec } | null> {
  return (await kube()).request<{ metadata: { resourceVersion: string }; spec: LeaseSpec }>('GET', LEASE_PATH).catch(() => null);
}

/**
 * Hands the controller Lease to `identity` (a replace with the Lease's resourceVersion, as any
 * candidate would write it): the current leader sees it taken at its next renewal and steps down,
 * and the named candidate finds itself the holder and renews.
 */
export async function handLeaseTo(identity: string, leaseDurationSeconds: number): Promise<void> {
  const rest = await kube();
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await rest.request<{ metadata: Record<string, unknown>; spec: LeaseSpec }>('GET', LEASE_PATH);
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    try {
      await rest.request('PUT', LEASE_PATH, {
        body: { ...current, spec: { ...current.spec, holderIdentity: identity, leaseDurationSeconds, renewTime: now, acquireTime: now, leaseTransitions: (current.spec.leaseTransitions ?? 0) + 1 } },
      });
      return;
    } catch (error) {
      if ((error as { status?: number }).status !== 409) throw error;
    }
  }
  throw new Error('could not hand the Lease over (kept conflicting)');
}
