/**
 * `daas-auth node join`: a staker's host joins the cluster with its stake. Writes the kubelet's kubeconfig,
 * whose only credential is this binary as the exec plugin `token --node <name> --exec-credential --refresh
 * 1s` (node-join.ts), and optionally the KubeletConfiguration snippet that turns certificate rotation and
 * serving-certificate CSRs off. Everything is checked before anything is written: the node name, the
 * server URL, that the CA file holds CA certificates only, the key (pinned as a keystore and address, never
 * written in clear), and — with --check-binding KUBECONFIG — that an Active SealBinding of this key backs
 * the node. The kubelet is started by whoever runs the host (systemd, the test bed); this only prepares it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { listSealBindings } from '../../k8s/api.ts';
import { KubeRest } from '../../k8s/rest.ts';
import { isDns1123Subdomain, isSuiId } from '../../policy/formats.ts';
import { isAudience } from '../../token/claims.ts';
import { caBundleFromPem } from '../ca-bundle.ts';
import { UserError } from '../errors.ts';
import { outputOf } from '../globals.ts';
import { bindingProblem, KUBELET_CONFIG_SNIPPET, kubeletKubeconfig, kubeletServerUrl } from '../node-join.ts';
import { writeSecretFile } from '../secret-file.ts';
import { explain } from './binding.ts';
import { pinnedKey, pluginCommand, readableFile } from './kubeconfig.ts';

interface JoinOptions {
  node: string;
  server: string;
  certificateAuthority: string;
  cluster: string;
  sealToken: string;
  kubeletKubeconfig: string;
  kubeletConfig?: string;
  daasAuthPath?: string;
  cacheDir?: string;
  checkBinding?: string;
  force?: boolean;
}

export function register(program: Command): void {
  const node = program.command('node').description("a staker's host: join the cluster as a node backed by a node stake");
  node
    .command('join')
    .description("write the kubelet's kubeconfig: its only credential is `daas-auth token --node NAME --exec-credential --refresh 1s` (no certificate)")
    .requiredOption('--node <name>', 'the Node name (DNS-1123 subdomain; the SealBinding names it)')
    .requiredOption('--server <url>', "the cluster's API server, https")
    .requiredOption('--certificate-authority <file>', "the API server's CA (PEM, CA certificates only); embedded in the kubeconfig")
    .requiredOption('--cluster <id>', "the cluster id tokens are for (the webhook's cluster id)")
    .requiredOption('--seal-token <id>', 'a SealToken of the node stake (daas-auth seal-token create)')
    .requiredOption('--kubelet-kubeconfig <file>', "where to write the kubelet's kubeconfig (0600; a missing directory is made 0700), e.g. /etc/kubernetes/kubelet.conf")
    .option('--kubelet-config <file>', 'also write a KubeletConfiguration snippet: rotateCertificates: false, serverTLSBootstrap: false')
    .option('--daas-auth-path <path>', 'the daas-auth executable the kubelet runs (default: this one, by absolute path)')
    .option('--cache-dir <dir>', "the plugin's token cache (default: daas-auth-cache beside --kubelet-kubeconfig)")
    .option('--check-binding <kubeconfig>', 'before writing, read SealBindings with this kubeconfig and refuse unless an Active one of this key backs the node')
    .option('--force', 'replace existing files that differ')
    .addHelpText(
      'after',
      [
        '',
        'The key is pinned as --keystore FILE --address ADDR in the kubeconfig (never a secret); with DAAS_KEY the',
        "plugin reads the key from the kubelet's environment. --key is refused: it would be written in clear.",
        '',
        'Example:',
        '  daas-auth --keystore /etc/daas/node.keystore node join --node worker-1 \\',
        '    --server https://10.0.0.1:6443 --certificate-authority /etc/kubernetes/pki/ca.crt \\',
        '    --cluster prod-1 --seal-token 0x… --kubelet-kubeconfig /etc/kubernetes/kubelet.conf \\',
        '    --kubelet-config /etc/kubernetes/kubelet-seal.yaml --check-binding ~/.kube/config',
      ].join('\n'),
    )
    .action((opts: JoinOptions, cmd: Command) => join(opts, cmd));
}

async function join(opts: JoinOptions, cmd: Command): Promise<void> {
  // Every input is checked before the cluster is contacted or a file written.
  if (!isDns1123Subdomain(opts.node)) throw new UserError(`--node ${opts.node} is not a valid node name (DNS-1123 subdomain)`);
  const server = kubeletServerUrl(opts.server);
  if (!isAudience(opts.cluster)) throw new UserError('--cluster must be the cluster id (1–253 printable characters, no spaces)');
  const sealToken = opts.sealToken.trim().toLowerCase();
  if (!isSuiId(sealToken)) throw new UserError(`--seal-token ${opts.sealToken} is not a SealToken object id (0x + 64 hex digits)`);
  const caPem = caBundleFromPem(readText(opts.certificateAuthority, '--certificate-authority'), `--certificate-authority ${opts.certificateAuthority}`);
  const out = path.resolve(opts.kubeletKubeconfig);
  const configOut = opts.kubeletConfig === undefined ? undefined : path.resolve(opts.kubeletConfig);
  if (configOut === out) throw new UserError('--kubelet-config and --kubelet-kubeconfig must be different files');
  const plugin = pluginCommand(opts.daasAuthPath, '--daas-auth-path');
  const key = pinnedKey(cmd, 'the kubelet');
  const cacheDir = path.resolve(opts.cacheDir ?? path.join(path.dirname(out), 'daas-auth-cache'));
  if (opts.checkBinding !== undefined) await checkBinding(opts.checkBinding, { node: opts.node, owner: key.address, sealToken });

  const spec = { server, caPem, node: opts.node, clusterId: opts.cluster, sealToken, plugin, keyArgs: key.args, cacheDir };
  const kubeconfig = `${JSON.stringify(kubeletKubeconfig(spec), null, 2)}\n`;
  refuseToReplace(out, kubeconfig, '--kubelet-kubeconfig', opts.force);
  if (configOut) refuseToReplace(configOut, KUBELET_CONFIG_SNIPPET, '--kubelet-config', opts.force);
  writeSecretFile(out, kubeconfig);
  if (configOut) writeSecretFile(configOut, KUBELET_CONFIG_SNIPPET);

  const output = outputOf(cmd);
  if (!output.json) process.stderr.write(`daas-auth: wrote the kubelet kubeconfig for node ${opts.node} (user system:node:${opts.node}, exec plugin only)${configOut ? ` and ${configOut}` : ''}\n`);
  output.print(out, { kubeletKubeconfig: out, ...(configOut ? { kubeletConfig: configOut } : {}), node: opts.node, owner: key.address, plugin: plugin.command, cacheDir });
}

function readText(file: string, flag: string): string {
  const absolute = readableFile(file, flag);
  try {
    return readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

/** An existing file is replaced only when it already says the same, or with --force. */
function refuseToReplace(file: string, text: string, flag: string, force: boolean | undefined): void {
  if (force || !existsSync(file)) return;
  let current: string;
  try {
    current = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  if (current !== text) throw new UserError(`${flag} ${file} exists and differs: pass --force to replace it`);
}

/** --check-binding: the cluster's SealBindings must back the node for this key and SealToken. */
async function checkBinding(file: string, claim: { node: string; owner: string; sealToken: string }): Promise<void> {
  readableFile(file, '--check-binding');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (error) {
    throw new UserError(`--check-binding ${file} is not a kubeconfig (${(error as Error).message.split('\n')[0]})`);
  }
  if (!kc.getCurrentCluster()) throw new UserError(`--check-binding ${file} has no current cluster`);
  const rest = await KubeRest.fromKubeConfig(kc, { maxSockets: 2 }).catch((error: unknown) => {
    throw new UserError(`--check-binding ${file}: cannot use it (${(error as Error).message.split('\n')[0]})`);
  });
  try {
    const problem = bindingProblem(await listSealBindings(rest), claim);
    if (problem) throw new UserError(problem);
  } catch (error) {
    throw explain(error);
  } finally {
    rest.close();
  }
}
