// Everything e2e tests use from the harness, in one import.
export { e2eEnv, type E2eEnv, type SimEnv, type WebhookCall, type WebhookEnv } from './env.ts';
export { fundedKey, localNetwork, simAdmin } from './chain.ts';
export {
  adminKubeConfig,
  clients,
  tokenKubeConfig,
  uniqueName,
  waitFor,
  type Clients,
  type WaitOptions,
} from './kube.ts';
export { createNamespace, createRestrictedNamespace, deleteNamespace } from './namespaces.ts';
export { createKwokNode, deleteNode, isNodeReady, setUnschedulable, type KwokNodeOptions } from './nodes.ts';
export {
  createDeployment,
  createPdb,
  evictPod,
  labelSelector,
  listPods,
  waitForPdbStatus,
  waitForRunningPods,
  type DeploymentOptions,
  type EvictionResult,
  type PdbOptions,
} from './workloads.ts';
export { kubectl, type KubectlOptions } from './kubectl.ts';
export { readWebhookCalls } from './webhook-recorder.ts';
