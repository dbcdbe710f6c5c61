// Where the controller tests start: a node staked for by a fresh key, with an Active SealBinding. (Built on
// the SealBinding helpers of ../binding-support.ts; not re-exported from index.ts, which they import.)
import { createBinding, stakeNode, waitForPhase, type NodeStaker } from '../binding-support.ts';
import { uniqueName } from './kube.ts';

export interface ActiveBinding {
  /** The node's name, which is also the binding's. */
  node: string;
  staker: NodeStaker;
}

/** Stakes `sui` SUI for a new node named after `prefix`, binds it (no seal token) and waits until Active. */
export async function activeBinding(prefix: string, sui?: bigint): Promise<ActiveBinding> {
  const node = uniqueName(prefix);
  const staker = await stakeNode(node, sui);
  await createBinding(node, { nodeName: node, owner: staker.address, stakeRecord: staker.recordId });
  await waitForPhase(node, 'Active');
  return { node, staker };
}
