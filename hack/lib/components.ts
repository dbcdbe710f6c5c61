// How each test-bed component is configured: command lines, kubeconfigs, the token-webhook config file.
import { writeFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { dirname, join } from 'node:path';
import type { ClusterInfo, ComponentName } from './cluster-info.ts';
import { kmsPluginArgs } from './kms.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import type { Pki } from './pki.ts';

export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_NODE_ANNOTATION_VALUE = 'fake';

// Every address a component may be asked to dial lies in 127.0.0.0/8 (the network rule: no packet may leave
// the machine). kwok hands out pod IPs from POD_CIDR (a /16 leaves room for benchmarks) and gives every node
// NODE_IP. Kubernetes refuses loopback addresses in Endpoints and EndpointSlices, so a Service here never has
// endpoints, and kube-apiserver (without --enable-aggregator-routing) dials a Service webhook at its ClusterIP:
// SERVICE_CIDR is loopback too, and nothing answers there unless a test starts a kube-proxy stand-in
// (test/e2e/harness/service-proxy.ts). test/unit/hack/loopback.test.ts fails if any of this drifts.
export const SERVICE_CIDR = '127.96.0.0/16';
export const SERVICE_IP = '127.96.0.1';
export const SA_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const POD_CIDR = '127.1.0.1/16';
export const NODE_IP = '127.0.0.1';

/**
 * kube-apiserver's --authentication-token-webhook-cache-ttl that the chart's NOTES recommend
 * (charts/daas-auth/values.yaml apiserver.tokenCacheTTL; a unit test keeps them equal) and the local stack
 * uses. kube-apiserver also caches every successful bearer-token authentication for a fixed 10 s in front of
 * all token authenticators (TokenSuccessCacheTTL, no flag), so a shorter webhook TTL changes nothing but a
 * start-up warning: a slash reaches kubectl within about 10 s whatever this is (docs/install.md).
 */
export const RECOMMENDED_TOKEN_CACHE_TTL = '10s';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 or localhost: the only places a test-bed component may be sent to. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL, if its host is a loopback address; the network rule refuses anything else. */
export function loopbackUrl(url: string, what: string): string {
  if (!isLoopbackHost(new URL(url).hostname)) throw new Error(`${what} must be a loopback address (127.0.0.0/8, ::1): ${url}`);
  return url;
}

/** A kubeconfig kube-apiserver reads to reach one of daas-auth's webhooks at `url`, with its client certificate. */
function webhookKubeconfig(url: string, w: ClusterInfo['webhook']): string {
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'daas-auth', cluster: { server: url, 'certificate-authority': w.caFile } }],
    users: [
      {
        name: 'kube-apiserver',
        user: { 'client-certificate': w.clientCertFile, 'client-key': w.clientKeyFile },
      },
    ],
    contexts: [{ name: 'webhook', context: { cluster: 'daas-auth', user: 'kube-apiserver' } }],
    'current-context': 'webhook',
  };
  return `${JSON.stringify(cfg, null, 2)}\n`;
}

export function writeWebhookConfig(info: ClusterInfo): void {
  const w = info.webhook;
  writeFileSync(w.configFile, webhookKubeconfig(w.url, w));
  writeAdmissionConfig(info);
  if (w.authorizationConfigFile && w.authorizationUrl) writeAuthorizationConfig(w.authorizationConfigFile, w.authorizationUrl, w);
}

/**
 * The kube-apiserver --authorization-config the chart's NOTES recommend (charts/daas-auth
 * templates/apiserver-secret.yaml renders the same): daas-auth's authorization webhook first, asked only
 * for daas-auth identities and never cached, so a revoked stake is denied on its next request even while
 * the apiserver's 10 s token success cache still authenticates it; NoOpinion when daas-auth is down, so
 * Node and RBAC decide as before (docs/authn.md "Revocation at kube-apiserver").
 */
export function authorizationConfiguration(kubeConfigFile: string): Record<string, unknown> {
  return {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AuthorizationConfiguration',
    authorizers: [
      {
        type: 'Webhook',
        name: 'daas-auth',
        webhook: {
          timeout: '3s',
          subjectAccessReviewVersion: 'v1',
          matchConditionSubjectAccessReviewVersion: 'v1',
          failurePolicy: 'NoOpinion',
          cacheAuthorizedRequests: false,
          cacheUnauthorizedRequests: false,
          // Unused while caching is off, but validation requires them > 0.
          authorizedTTL: '1s',
          unauthorizedTTL: '1s',
          connectionInfo: { type: 'KubeConfigFile', kubeConfigFile },
          matchConditions: [{ expression: AUTHORIZATION_MATCH_CONDITION }],
        },
      },
      { type: 'Node', name: 'node' },
      { type: 'RBAC', name: 'rbac' },
    ],
  };
}

/** Only requests of identities daas-auth made (user and node tokens carry the stake record in extra). */
export const AUTHORIZATION_MATCH_CONDITION = "has(request.extra) && 'daas.io/stake-record' in request.extra";

function writeAuthorizationConfig(file: string, url: string, w: ClusterInfo['webhook']): void {
  const kubeconfig = join(dirname(file), 'authz-webhook.kubeconfig');
  writeFileSync(kubeconfig, webhookKubeconfig(url, w));
  writeFileSync(file, `${JSON.stringify(authorizationConfiguration(kubeconfig), null, 2)}\n`);
}

/** kube-apiserver's --admission-control-config-file, beside the token webhook's kubeconfig. */
export const admissionConfigFile = (info: ClusterInfo): string => join(dirname(info.webhook.configFile), 'admission-config.json');

/**
 * Admission webhooks get the same client certificate as the token webhook: an AdmissionConfiguration
 * whose webhook kubeconfig has a `*` user (every webhook host) with it. daas-auth serve requires a
 * client certificate on every webhook path (docs/security.md), so without this the apiserver's
 * admission calls would be refused.
 */
export function writeAdmissionConfig(info: ClusterInfo): void {
  const w = info.webhook;
  const kubeconfig = join(dirname(w.configFile), 'admission-webhook.kubeconfig');
  const users = { apiVersion: 'v1', kind: 'Config', users: [{ name: '*', user: { 'client-certificate': w.clientCertFile, 'client-key': w.clientKeyFile } }] };
  writeFileSync(kubeconfig, `${JSON.stringify(users, null, 2)}\n`);
  const webhookConfig = { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'WebhookAdmissionConfiguration', kubeConfigFile: kubeconfig };
  const admission = {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [
      { name: 'ValidatingAdmissionWebhook', configuration: webhookConfig },
      { name: 'MutatingAdmissionWebhook', configuration: webhookConfig },
    ],
  };
  writeFileSync(admissionConfigFile(info), `${JSON.stringify(admission, null, 2)}\n`);
}

// Only requests made by ServiceAccounts, at Metadata level (user, verb, resource, response code): enough to
// prove a component was never refused, without logging every request of the bed.
const AUDIT_POLICY = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [{ level: 'Metadata', userGroups: ['system:serviceaccounts'] }, { level: 'None' }],
};

/** Writes the audit policy beside the cluster's files; returns kube-apiserver's audit flags. */
export function auditArgs(info: ClusterInfo): string[] {
  if (!info.auditLogFile) return [];
  const policy = join(info.dir, 'audit-policy.json');
  writeFileSync(policy, `${JSON.stringify(AUDIT_POLICY, null, 2)}\n`);
  return [`--audit-policy-file=${policy}`, `--audit-log-path=${info.auditLogFile}`, '--audit-log-format=json', '--audit-log-maxbackup=1'];
}

export interface Layout {
  dir: string;
  logs: string;
  pki: Pki;
}

export function componentArgs(
  info: ClusterInfo,
  l: Layout,
  kwokStages: string,
): Record<ComponentName, string[]> {
  const { pki, dir } = l;
  const p = info.ports;
  const kc = (n: string) => join(dir, `${n}.kubeconfig`);
  const delegated = (n: string) => [
    `--authentication-kubeconfig=${kc(n)}`,
    `--authorization-kubeconfig=${kc(n)}`,
  ];
  return {
    etcd: [
      '--name=default',
      `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=http://127.0.0.1:${p.etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${p.etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${p.etcdPeer}`,
      '--unsafe-no-fsync', // a throw-away test store: durability is not worth the disk latency
      '--log-level=warn',
    ],
    'kube-apiserver': [
      `--etcd-servers=http://127.0.0.1:${p.etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${p.apiserver}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
      `--proxy-client-key-file=${pki.frontProxyClient.key}`,
      `--service-account-issuer=${SA_ISSUER}`,
      `--api-audiences=${info.apiAudiences.join(',')}`,
      `--service-account-key-file=${pki.serviceAccount.pub}`,
      `--service-account-signing-key-file=${pki.serviceAccount.key}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      ...(info.webhook.authorizationConfigFile ? [`--authorization-config=${info.webhook.authorizationConfigFile}`] : ['--authorization-mode=Node,RBAC']),
      '--enable-admission-plugins=NodeRestriction',
      `--admission-control-config-file=${admissionConfigFile(info)}`,
      `--authentication-token-webhook-config-file=${info.webhook.configFile}`,
      '--authentication-token-webhook-version=v1',
      `--authentication-token-webhook-cache-ttl=${info.webhook.cacheTtl}`,
      // The "kubernetes" Service's endpoints may not be a loopback address; there is no other to give.
      '--endpoint-reconciler-type=none',
      '--allow-privileged=true',
      '--profiling=false',
      ...auditArgs(info),
      ...(info.kms ? [`--encryption-provider-config=${info.kms.encryptionConfigFile}`] : []),
    ],
    'kube-controller-manager': [
      `--kubeconfig=${kc('controller-manager')}`,
      ...delegated('controller-manager'),
      '--bind-address=127.0.0.1',
      `--secure-port=${p.controllerManager}`,
      '--leader-elect=false',
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pki.serviceAccount.key}`,
      `--root-ca-file=${pki.ca.cert}`,
      `--cluster-signing-cert-file=${pki.ca.cert}`,
      `--cluster-signing-key-file=${pki.ca.key}`,
      `--cluster-name=${info.name}`,
      '--controllers=*', // every default controller: disruption (PDB status), garbage collector, node lifecycle, SA tokens…
      '--profiling=false',
    ],
    'kube-scheduler': [
      `--kubeconfig=${kc('scheduler')}`,
      ...delegated('scheduler'),
      '--bind-address=127.0.0.1',
      `--secure-port=${p.scheduler}`,
      '--leader-elect=false',
      '--profiling=false',
    ],
    kwok: [
      `--kubeconfig=${kc('kwok')}`,
      `--config=${kwokStages}`,
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`,
      `--cidr=${POD_CIDR}`,
      `--node-ip=${NODE_IP}`,
      '--node-lease-duration-seconds=40',
      '--node-port=0', // no kubelet-like server: it would listen on 0.0.0.0 at a fixed port
    ],
    // Run with the project's Node: `node bin/daas-auth.js <these>`.
    'kms-plugin': info.kms?.managed ? kmsPluginArgs(info.kms) : [],
  };
}

export function writeKubeconfigs(info: ClusterInfo, l: Layout): void {
  const base = { server: info.server, caFile: l.pki.ca.cert, clusterName: info.name };
  const users = {
    admin: l.pki.admin,
    'controller-manager': l.pki.controllerManager,
    scheduler: l.pki.scheduler,
    kwok: l.pki.kwok,
  };
  for (const [n, pair] of Object.entries(users)) {
    writeKubeconfig(n === 'admin' ? info.kubeconfig : join(l.dir, `${n}.kubeconfig`), {
      ...base,
      userName: n,
      certFile: pair.cert,
      keyFile: pair.key,
    });
  }
}

/** Fails the wait at once when a component has died, with the end of its log. */
