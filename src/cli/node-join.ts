/**
 * The pure parts of `daas-auth node join` (commands/node.ts): what the kubelet kubeconfig of a staker's
 * host holds, the optional KubeletConfiguration snippet, and whether the cluster's SealBindings back the
 * node. No I/O here; the command reads files and the cluster and writes the results.
 *
 * The kubeconfig's only credential is the exec plugin `daas-auth token --node <name> --exec-credential
 * --refresh 1s`: no client certificate, no bootstrap token, nothing a CSR could be made from. `--refresh
 * 1s` because kube-apiserver answers a token it accepted in the last 10 s from its own cache; a fresh
 * token each second is what lets a slash reach a long-running kubelet within 2 s (docs/real-node.md).
 */
import { isSuiId } from '../policy/formats.ts';
import { rightfulBinding, type SealBinding } from '../k8s/sealbinding.ts';
import { UserError } from './errors.ts';

/** How long the kubelet's plugin reuses a token (see the header). */
export const KUBELET_REFRESH = '1s';

/** The exec plugin the kubelet runs: an absolute command and its arguments. */
export interface PluginCommand {
  command: string;
  args: string[];
}

export interface KubeletKubeconfigSpec {
  server: string;
  /** The cluster CA, PEM, embedded as certificate-authority-data so the file stands alone. */
  caPem: string;
  node: string;
  clusterId: string;
  sealToken: string;
  plugin: PluginCommand;
  /** Key flags for the plugin (`--keystore F --address A`), or none when it reads DAAS_KEY from the kubelet's environment. */
  keyArgs: readonly string[];
  /** Where the plugin keeps its tokens (absolute). */
  cacheDir: string;
}

/** `--server`: an https URL without credentials, query or fragment (a kubelet never sends its token in clear). */
export function kubeletServerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`--server ${text} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new UserError(`--server ${text} must be an https URL: the kubelet's token must not travel in clear`);
  if (url.username || url.password) throw new UserError(`--server ${text} must not carry a user or password`);
  if (url.search || url.hash) throw new UserError(`--server ${text} must not carry a query or fragment`);
  return url.href.replace(/\/$/, '');
}

/** The arguments of `daas-auth token` the kubelet's exec plugin runs with. */
export function kubeletTokenArgs(spec: KubeletKubeconfigSpec): string[] {
  return [
    ...spec.plugin.args,
    'token',
    '--seal-token',
    spec.sealToken,
    '--cluster',
    spec.clusterId,
    '--node',
    spec.node,
    '--exec-credential',
    '--refresh',
    KUBELET_REFRESH,
    '--cache-dir',
    spec.cacheDir,
    ...spec.keyArgs,
  ];
}

/** The kubelet's kubeconfig: the cluster, and one user whose only credential is the seal-token exec plugin. */
export function kubeletKubeconfig(spec: KubeletKubeconfigSpec): object {
  const user = `system:node:${spec.node}`;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cluster', cluster: { server: spec.server, 'certificate-authority-data': Buffer.from(spec.caPem).toString('base64') } }],
    users: [
      {
        name: user,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: spec.plugin.command,
            args: kubeletTokenArgs(spec),
            interactiveMode: 'Never',
            provideClusterInfo: false,
          },
        },
      },
    ],
    contexts: [{ name: 'kubelet', context: { cluster: 'cluster', user } }],
    'current-context': 'kubelet',
  };
}

/**
 * The KubeletConfiguration fields a seal-token node must have (merged into the node's own config): no
 * client certificate rotation and no serving-certificate CSRs — a certificate would outlive a slash.
 */
export const KUBELET_CONFIG_SNIPPET = `# daas-auth node join: merge into the kubelet's KubeletConfiguration (--config).
# A seal-token node never trades its token for a certificate: a certificate would outlive a slash.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
rotateCertificates: false
serverTLSBootstrap: false
`;

/**
 * Why the cluster's SealBindings do not back this node for this key and SealToken, or undefined when
 * they do: the binding that holds the node (the oldest naming it) must be Active, owned by the key's
 * address, and — when it names a SealToken — name this one.
 */
export function bindingProblem(bindings: readonly SealBinding[], claim: { node: string; owner: string; sealToken: string }): string | undefined {
  const binding = rightfulBinding(bindings.filter((b) => b.spec.nodeName === claim.node));
  if (!binding) return `no SealBinding names node ${claim.node}: create one first (daas-auth binding create --node ${claim.node} --stake-record ID --wait)`;
  const name = `sealbinding/${binding.metadata.name ?? claim.node}`;
  const phase = binding.status?.phase ?? 'Pending';
  if (phase !== 'Active') return `${name} for node ${claim.node} is ${phase}, not Active (daas-auth binding describe ${binding.metadata.name ?? ''})`;
  if (binding.spec.owner !== claim.owner) return `${name} for node ${claim.node} is owned by ${binding.spec.owner}, not by this key's address ${claim.owner}`;
  if (binding.spec.sealToken !== undefined && isSuiId(binding.spec.sealToken) && binding.spec.sealToken !== claim.sealToken) {
    return `${name} names SealToken ${binding.spec.sealToken}, not --seal-token ${claim.sealToken}`;
  }
  return undefined;
}
