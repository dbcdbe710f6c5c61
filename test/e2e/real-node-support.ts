// The real node's join, shared by the real-node e2e files: a node stake, a SealToken and an Active SealBinding
// for the node, the kubelet's exec-plugin kubeconfig written by `daas-auth node join` (no client certificate),
// and the node started with it; and the setup the files running the chart on it share.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { execPluginOf, nodeJoin, nodeJoinOrThrow, writeEd25519Keystore, type NodeJoinResult } from '../../hack/lib/node-join.ts';
import { startRealNode, type RealNode, type RealNodeOptions } from '../../hack/lib/real-node.ts';
import { buildImage } from '../../hack/image.ts';
import { E2E_CLUSTER_ID } from './harness/daas-serve.ts';
import type { HelmOptions } from './harness/helm.ts';
import { startPrivateBed, type PrivateBed } from './harness/private-bed.ts';
import { e2eEnv, isNodeReady } from './harness/index.ts';
import { createBinding, kube, stakeNode, waitForPhase, type NodeStaker } from './binding-support.ts';

export interface Joined {
  node: string;
  staker: NodeStaker;
  sealToken: string;
  /** The kubelet kubeconfig `daas-auth node join` wrote: the exec plugin only, no client certificate. */
  kubeconfig: string;
  /** What `daas-auth node join --check-binding` answered before the SealBinding existed. */
  early: NodeJoinResult;
}

/**
 * A node stake with a SealToken and an Active SealBinding `name` for `node`, and the kubelet's kubeconfig from
 * `daas-auth node join` (asked once before the binding exists, which it must refuse, and once after).
 */
export async function stakeAndBind(node: string, name: string, dir: string): Promise<Joined> {
  const staker = await stakeNode(node);
  const { tokenId } = await staker.writer.createSealToken(staker.recordId);
  const { cluster } = e2eEnv();
  const keystore = join(dir, `${name}.keystore`);
  writeEd25519Keystore(keystore, decodeSuiPrivateKey(staker.key.getSecretKey()).secretKey);
  const joinOptions = { node, server: cluster.server, caFile: cluster.caFile, clusterId: E2E_CLUSTER_ID, sealToken: tokenId, keystore, dir: join(dir, name), checkBinding: cluster.kubeconfig };
  const early = await nodeJoin(joinOptions);
  await createBinding(name, { nodeName: node, owner: staker.address, stakeRecord: staker.recordId, sealToken: tokenId });
  await waitForPhase(name, 'Active');
  return { node, staker, sealToken: tokenId, kubeconfig: await nodeJoinOrThrow(joinOptions), early };
}

/** The token the kubelet holds right now: its kubeconfig's exec plugin, run the way the kubelet runs it. */
export async function kubeletToken(joined: Joined): Promise<string> {
  const plugin = execPluginOf(joined.kubeconfig);
  const { stdout } = await promisify(execFile)(plugin.command, plugin.args, {
    env: { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } }) },
  });
  return (JSON.parse(stdout) as { status: { token: string } }).status.token;
}

export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether the Node reports Ready; undefined while it does not exist. */
export async function nodeReady(node: string): Promise<boolean | undefined> {
  const k = await kube();
  const n = await k.request<{ status?: { conditions?: Array<{ type: string; status: string }> } }>('GET', `/api/v1/nodes/${node}`).catch(() => undefined);
  if (!n) return undefined;
  return isNodeReady(n as never);
}

/** The real node, its kubelet joined with `joined`'s seal node token. */
export function startKubelet(joined: Joined, dir: string, extra: Pick<RealNodeOptions, 'images' | 'hostServices'> = {}): Promise<RealNode> {
  const { cluster } = e2eEnv();
  return startRealNode({
    name: joined.node,
    dir,
    apiserverPort: cluster.ports.apiserver,
    caFile: cluster.caFile,
    kubeconfig: joined.kubeconfig,
    kubeletBinary: cluster.binaries.kubelet,
    ...extra,
  });
}

/** The image `npm run image` builds, under the name the chart files install it by (imagePullPolicy Never). */
export const CHART_IMAGE = { repository: 'daas.local/daas-auth', tag: 'e2e' };

export interface ChartNode {
  bed: PrivateBed;
  node: RealNode;
  joined: Joined;
  helmOpts: HelmOptions;
}

/**
 * A private bed (its own cluster, sui-sim and `daas-auth serve`), the image built by `npm run image`, and
 * `nodeName` joined with its seal node token, that image imported into its containerd and sui-sim relayed into
 * it (the chart's pods read the chain where the bed's serve does: sui-sim at 127.0.0.1:<port>); Ready.
 * On failure whatever was started is stopped again.
 */
export async function startChartNode(bedName: string, nodeName: string, bindingName: string, runDir: string): Promise<ChartNode> {
  const bed = await startPrivateBed(bedName);
  let node: RealNode | undefined;
  let joined: Joined | undefined;
  try {
    const image = await buildImage({ outDir: runDir, name: `${CHART_IMAGE.repository}:${CHART_IMAGE.tag}` });
    joined = await stakeAndBind(nodeName, bindingName, runDir);
    const simPort = Number(new URL(e2eEnv().sim.rpcUrl).port);
    node = await startKubelet(joined, join(runDir, 'node'), {
      images: [image.file],
      hostServices: [{ name: 'sim', port: simPort, at: [{ host: '127.0.0.1', port: simPort }] }],
    });
    await until(`${nodeName} Ready`, 120_000, async () => ((await nodeReady(nodeName)) === true ? true : undefined));
    return { bed, node, joined, helmOpts: { home: join(runDir, 'helm'), kubeconfig: e2eEnv().cluster.kubeconfig } };
  } catch (error) {
    await node?.stop().catch(() => undefined);
    joined?.staker.writer.close();
    await bed.stop().catch(() => undefined);
    throw error;
  }
}

/** Chart values every real-node install shares: the local image, the bed's cluster id and chain, no CRDs. */
export function chartBedValues(): Record<string, unknown> {
  const { cluster, sim } = e2eEnv();
  return {
    image: { repository: CHART_IMAGE.repository, tag: CHART_IMAGE.tag, pullPolicy: 'Never' },
    clusters: [{ id: E2E_CLUSTER_ID, apiAudiences: cluster.apiAudiences }],
    network: { name: sim.rpcUrl, packageId: sim.network.packageId, poolId: sim.network.poolId },
    crds: { install: false }, // the bed installed crds/ already
  };
}

interface PodRef {
  metadata?: { name?: string; uid?: string };
  status?: { containerStatuses?: Array<{ containerID?: string }> };
}

/** The host pid of a pod's (only) container on `node`: its containerd task's. */
export function containerPid(node: RealNode, pod: PodRef): number {
  const id = (pod.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^containerd:\/\//, '');
  const state = JSON.parse(readFileSync(join(node.dir, 'containerd', 'runc', 'k8s.io', id, 'state.json'), 'utf8')) as { init_process_pid: number };
  return state.init_process_pid;
}

/** A container's log lines (the kubelet writes them under the node's directory). */
export function containerLog(node: RealNode, namespace: string, pod: PodRef, container: string): string {
  const dir = join(node.dir, 'logs', 'pods', `${namespace}_${pod.metadata!.name}_${pod.metadata!.uid}`, container);
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}
