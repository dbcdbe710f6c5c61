// Nodes played by kwok: any Node annotated kwok.x-k8s.io/node=fake becomes Ready and runs its pods.
import { PatchStrategy, setHeaderOptions, type V1Node, type V1Taint } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from '../../../hack/cluster.ts';
import { E2E_UNBOUND_LABEL } from './admission.ts';
import { clients, waitFor } from './kube.ts';

export interface KwokNodeOptions {
  /**
   * The node needs a SealBinding to be admitted (the onboarding tests). Default false: the node carries
   * E2E_UNBOUND_LABEL, which the admission webhook's objectSelector leaves out (harness/admission.ts).
   */
  bound?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  taints?: V1Taint[];
}

export function isNodeReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Creates the Node and waits until kwok reports it Ready. */
export async function createKwokNode(name: string, opts: KwokNodeOptions = {}): Promise<V1Node> {
  const { core } = clients();
  await core.createNode({
    body: {
      metadata: {
        name,
        labels: { 'kubernetes.io/hostname': name, type: 'kwok', ...(opts.bound ? {} : { [E2E_UNBOUND_LABEL]: '' }), ...opts.labels },
        annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE, ...opts.annotations },
      },
      spec: { taints: opts.taints },
    },
  });
  return waitFor(`node ${name} Ready`, async () => {
    const n = await core.readNode({ name });
    return isNodeReady(n) ? n : undefined;
  });
}

/** Cordons (true) or uncordons (false) a node, as `kubectl cordon` does. */
export async function setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
  await clients().core.patchNode(
    { name, body: { spec: { unschedulable } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

export async function deleteNode(name: string): Promise<void> {
  await clients().core.deleteNode({ name });
}
