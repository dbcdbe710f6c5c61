// The wire format of .daas/cluster/<name>/cluster.json and the options of the cluster API (hack/cluster.ts).
import type { BinaryName, Versions } from '../build.ts';
import type { KmsClusterInfo, KmsClusterOptions } from './kms.ts';
import type { RealNodeInfo } from './real-node-up.ts';

export type ComponentName =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok'
  | 'kms-plugin'; // only with --kms and no plugin socket of the caller's

/** A recorded process: a component, or `daas-auth serve` that only `up --real-node` starts (hack/lib/real-node-up.ts). */
export type ProcessName = ComponentName | 'daas-auth-serve';

export interface ProcessInfo {
  name: ProcessName;
  /** Also the process group id: every component leads its own group. */
  pid: number;
  log: string;
  ports: number[];
}

/** The wire format of .daas/cluster/<name>/cluster.json: everything a caller needs to use the cluster. */
export interface ClusterInfo {
  name: string;
  state: 'starting' | 'up' | 'down';
  dir: string;
  /** Admin kubeconfig (system:masters client certificate). */
  kubeconfig: string;
  server: string;
  /** kube-apiserver's --api-audiences: what it puts in a TokenReview's spec.audiences. */
  apiAudiences: string[];
  /** The cluster CA: signs the apiserver's serving cert and every client and webhook certificate here. */
  caFile: string;
  admin: { certFile: string; keyFile: string };
  webhook: {
    /** Where kube-apiserver sends TokenReviews. */
    url: string;
    /** The CA kube-apiserver trusts for `url`. */
    caFile: string;
    /** Serving certificate and key for daas-auth's webhooks on 127.0.0.1 / localhost (signed by caFile). */
    servingCertFile: string;
    servingKeyFile: string;
    /** The client certificate kube-apiserver presents to the webhook, and the CA to check it with. */
    clientCertFile: string;
    clientKeyFile: string;
    clientCaFile: string;
    /** kube-apiserver's --authentication-token-webhook-config-file. */
    configFile: string;
    cacheTtl: string;
    /**
     * With ClusterOptions.authorizationWebhookUrl: kube-apiserver's --authorization-config (daas-auth's
     * authorization webhook, then Node, then RBAC) in place of --authorization-mode=Node,RBAC.
     */
    authorizationConfigFile?: string;
    authorizationUrl?: string;
  };
  ports: {
    etcdClient: number;
    etcdPeer: number;
    apiserver: number;
    controllerManager: number;
    scheduler: number;
  };
  processes: ProcessInfo[];
  versions: Versions;
  binaries: Record<BinaryName, string>;
  build: { built: BinaryName[]; cached: BinaryName[] };
  /** kube-apiserver's audit log (JSON lines; ServiceAccounts' requests at Metadata level), when asked for. */
  auditLogFile?: string;
  /** Secrets encrypted at rest through a KMS v2 plugin (`--kms`, hack/lib/kms.ts); absent or null: not encrypted. */
  kms?: KmsClusterInfo | null;
  /** The process that owns the cluster, when it should not outlive it (test runs); else null. */
  ownerPid: number | null;
  /** `up --real-node`: the real kubelet joined with a node stake (hack/lib/real-node-up.ts). */
  realNode?: RealNodeInfo;
  startedAt: string;
}

export interface ClusterOptions {
  /** Default 'dev'. Lower-case letters, digits and dashes. */
  name?: string;
  /** Default <repo>/.daas/cluster. */
  stateRoot?: string;
  /** Default https://127.0.0.1:<free port>/authenticate. */
  webhookUrl?: string;
  /** Default: the cluster CA, which signs the webhook serving certificate made here. */
  webhookCaFile?: string;
  /** kube-apiserver's --authentication-token-webhook-cache-ttl. Default RECOMMENDED_TOKEN_CACHE_TTL (10s). */
  tokenCacheTtl?: string;
  /**
   * Use this kubeconfig as kube-apiserver's token webhook config instead of writing one (e.g. the one
   * `daas-auth attestation fetch --kubeconfig-out` wrote for an enclave); webhookUrl should name its server.
   */
  webhookConfigFile?: string;
  /**
   * Put daas-auth's authorization webhook (POST /authorize, which denies revoked stakes at once) first in
   * kube-apiserver's authorizer chain, as the chart's NOTES recommend. Default: off (Node,RBAC only).
   */
  authorizationWebhookUrl?: string;
  ownerPid?: number;
  /** Write kube-apiserver's audit log of ServiceAccount requests (to count a component's 403s). */
  auditLog?: boolean;
  /** Encrypt Secrets at rest through a KMS v2 plugin (hack/lib/kms.ts). */
  kms?: KmsClusterOptions;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface StopOptions {
  stateRoot?: string;
  log?: (line: string) => void;
}
