// Where the controller tests start: a node staked for by a fresh key, with an Active SealBinding. (Built on
// the SealBinding helpers of ../binding-support.ts; not re-exported from index.ts, which they import.)
import type { DrainPolicy } from '../../../src/k8s/sealbinding.ts';
import { createBinding, stakeNode, waitForPhase, type NodeStaker } from '../binding-support.ts';
import { uniqueName } from './kube.ts';

export interface ActiveBinding {
  /** The node's name, which is also the binding's. */
  node: string;
  staker: NodeStaker;
  /** The SealToken the binding names (with `sealToken: true`). */
  tokenId?: string;
}

export interface ActiveBindingOptions {
  /** The binding's `spec.drainPolicy` (none by default: PDBs win forever). */
  drainPolicy?: DrainPolicy;
  /** Mint a SealToken for the stake and name it in the binding (a node seal token can then act as the kubelet). */
  sealToken?: boolean;
}

/** Stakes `sui` SUI for a new node named after `prefix`, binds it (no seal token unless asked) and waits until Active. */
export async function activeBinding(prefix: string, sui?: bigint, options: ActiveBindingOptions = {}): Promise<ActiveBinding> {
  const node = uniqueName(prefix);
  const staker = await stakeNode(node, sui);
  const { drainPolicy } = options;
  const tokenId = options.sealToken ? (await staker.writer.createSealToken(staker.recordId)).tokenId : undefined;
  await createBinding(node, { nodeName: node, owner: staker.address, stakeRecord: staker.recordId, ...(drainPolicy ? { drainPolicy } : {}), ...(tokenId ? { sealToken: tokenId } : {}) });
  await waitForPhase(node, 'Active');
  return { node, staker, ...(tokenId ? { tokenId } : {}) };
}
