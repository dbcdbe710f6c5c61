/**
 * `daas-auth kubeconfig`: writes (or merges into) a kubeconfig a user whose credentials come from this
 * very binary as kubectl's exec plugin, by absolute path — like `kubelogin setup` — and a context
 * using it. The cluster's server and CA come from --server / --certificate-authority, else from the
 * kubeconfig's current context (or --from-context). An entry of the same name that differs is only
 * replaced with --force. The file is written whole (atomic rename) with mode 0600.
 *
 * The key is pinned as --keystore FILE --address ADDR (a secret is never written into the file);
 * with DAAS_KEY the plugin reads the key from kubectl's environment.
 */
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { dump, load } from 'js-yaml';
import { isSuiId } from '../../policy/formats.ts';
import { isAudience } from '../../token/claims.ts';
import { UserError } from '../errors.ts';
import { keySourcesOf, outputOf } from '../globals.ts';
import { loadSigner } from '../keys.ts';
import { writeSecretFile } from '../secret-file.ts';
import { clusterOfContext, MergeConflict, mergeKubeconfig, type KubeconfigDoc } from '../kubeconfig-merge.ts';
import { defaultTokenCacheDir } from '../token-cache.ts';
import { ttlSeconds } from './token.ts';

interface KubeconfigOptions {
  sealToken: string;
  cluster: string;
  kubeconfig?: string;
  name?: string;
  server?: string;
  certificateAuthority?: string;
  fromContext?: string;
  ttl?: string;
  plugin?: string;
  setCurrent?: boolean;
  force?: boolean;
  shellCache: boolean;
}

/**
 * The shell fast path kubectl runs (with `sh -c SCRIPT daas-auth FILE PLUGIN ARGS…`): while the
 * credential file's first line — the last second its token may be handed out — is not past, print the
 * rest of the file (the ExecCredential the plugin printed last); otherwise run the plugin, which prints
 * a credential and refreshes the file. Starting `sh`, `date` and `cat` costs a few milliseconds where
 * even a cache hit of the plugin starts a whole Node. Paths arrive as arguments, never as script text.
 */
export const SHELL_FAST_PATH =
  'PATH=/usr/bin:/bin:$PATH; f=$1; shift; { read -r u && [ "$u" -ge "$(date +%s)" ] && exec cat; } 2>/dev/null < "$f"; exec "$@" --credential-file "$f"';

export function register(program: Command): void {
  program
    .command('kubeconfig')
    .description('add a kubeconfig user that runs this binary as the exec plugin (and a context); prints the context name')
    .requiredOption('--seal-token <id>', 'your SealToken object id (daas-auth seal-token create)')
    .requiredOption('--cluster <id>', 'the cluster id tokens are for (the webhook\'s cluster id)')
    .option('--kubeconfig <file>', 'the file to write (default: first of $KUBECONFIG, else ~/.kube/config)')
    .option('--name <name>', 'name of the user and context (default: daas-<cluster>)')
    .option('--server <url>', 'API server URL (default: the cluster of the current context)')
    .option('--certificate-authority <file>', "the API server's CA (PEM), with --server")
    .option('--from-context <name>', 'take the cluster from this context instead of the current one')
    .option('--ttl <duration>', 'token lifetime the plugin asks for (default 15m)')
    .option('--plugin <path>', 'the daas-auth executable kubectl should run (default: this one)')
    .option('--set-current', 'make the new context the current one')
    .option('--force', 'replace a user, context or cluster of the same name')
    .option('--no-shell-cache', 'have kubectl run the plugin itself every time, without the /bin/sh fast path for cached tokens')
    .action((opts: KubeconfigOptions, cmd: Command) => {
      const sealToken = opts.sealToken.trim().toLowerCase();
      if (!isSuiId(sealToken)) throw new UserError(`--seal-token ${opts.sealToken} is not a SealToken object id (0x + 64 hex digits)`);
      if (!isAudience(opts.cluster)) throw new UserError('--cluster must be the cluster id (1–253 printable characters, no spaces)');
      if (opts.ttl !== undefined) ttlSeconds(opts.ttl);
      if (opts.certificateAuthority !== undefined && opts.server === undefined) throw new UserError('--certificate-authority goes with --server');
      if (opts.server !== undefined && opts.fromContext !== undefined) throw new UserError('--server and --from-context exclude each other');
      if (opts.server !== undefined && !/^https?:\/\/[^\s/]+/.test(opts.server)) throw new UserError(`--server ${opts.server} is not an http(s) URL`);
      const name = opts.name ?? `daas-${opts.cluster.replace(/[^A-Za-z0-9.-]/g, '-')}`;
      const file = path.resolve(opts.kubeconfig ?? defaultKubeconfig());
      const ca = opts.certificateAuthority === undefined ? undefined : readableFile(opts.certificateAuthority, '--certificate-authority');
      const plugin = pluginCommand(opts.plugin);
      const keyArgs = pinnedKey(cmd).args;
      const tokenArgs = [...plugin.args, 'token', '--seal-token', sealToken, '--cluster', opts.cluster, '--exec-credential', ...(opts.ttl ? ['--ttl', opts.ttl] : []), ...keyArgs];
      const credentialFile = path.join(defaultTokenCacheDir(), `${name}.credential`);
      const exec = opts.shellCache
        ? { command: '/bin/sh', args: ['-c', SHELL_FAST_PATH, 'daas-auth', credentialFile, plugin.command, ...tokenArgs] }
        : { command: plugin.command, args: tokenArgs };
      const doc = readKubeconfig(file);
      let merged: KubeconfigDoc;
      try {
        merged = mergeKubeconfig(doc, {
          user: { name, exec },
          cluster: opts.server === undefined ? undefined : { name, server: opts.server, ...(ca ? { certificateAuthority: ca } : {}) },
          context: { name, cluster: opts.server === undefined ? clusterOfContext(doc, opts.fromContext) : name },
          setCurrent: opts.setCurrent === true,
          force: opts.force === true,
        });
      } catch (error) {
        if (error instanceof MergeConflict) throw new UserError(`${file}: ${error.message}`);
        throw error;
      }
      writeSecretFile(file, dump(merged, { lineWidth: -1, noRefs: true }));
      const out = outputOf(cmd);
      if (!out.json) process.stderr.write(`daas-auth: wrote user and context ${name} to ${file} (kubectl --context ${name} ...)\n`);
      out.print(name, { kubeconfig: file, context: name, user: name, plugin: plugin.command, ...exec });
    });
}

function defaultKubeconfig(): string {
  const first = (process.env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p.trim() !== '');
  return first ?? path.join(homedir(), '.kube', 'config');
}

export function readableFile(file: string, flag: string): string {
  const absolute = path.resolve(file);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new UserError(`${flag} ${file}: no such file`);
  return absolute;
}

/**
 * What kubectl runs: the single-file binary itself, or the Node running this script plus the
 * script (an npm install or a checkout), both by absolute path so kubectl's PATH does not matter.
 */
export function pluginCommand(given: string | undefined, flag = '--plugin'): { command: string; args: string[] } {
  if (given !== undefined) {
    const command = readableFile(given, flag);
    try {
      accessSync(command, constants.X_OK);
    } catch {
      throw new UserError(`${flag} ${given} is not executable`);
    }
    return { command, args: [] };
  }
  if (isSingleExecutable()) return { command: process.execPath, args: [] };
  return { command: process.execPath, args: [realpathSync(path.resolve(process.argv[1]!))] };
}

function isSingleExecutable(): boolean {
  try {
    return (process.getBuiltinModule('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

/**
 * The key flags the plugin gets: a keystore and address (checked to work now), never a secret; and the
 * key's address. `client` names who runs the plugin (kubectl, the kubelet) in messages.
 */
export function pinnedKey(cmd: Command, client = 'kubectl'): { args: string[]; address: string } {
  const sources = keySourcesOf(cmd);
  if (sources.origin === '--key') {
    throw new UserError(`--key would be written into the kubeconfig in clear: use --keystore (see daas-auth keys new) or DAAS_KEY in ${client}'s environment`);
  }
  const address = loadSigner(sources).toSuiAddress();
  if (!sources.keystore) {
    process.stderr.write(`daas-auth: the plugin will read DAAS_KEY from ${client}'s environment\n`);
    return { args: [], address };
  }
  return { args: ['--keystore', path.resolve(sources.keystore), '--address', address], address };
}

function readKubeconfig(file: string): KubeconfigDoc {
  if (!existsSync(file)) return {};
  let value: unknown;
  try {
    value = load(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${file} is not a kubeconfig (${(error as Error).message.split('\n')[0]})`);
  }
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${file} is not a kubeconfig (expected a mapping)`);
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    const list = (value as KubeconfigDoc)[key];
    if (list !== undefined && list !== null && !Array.isArray(list)) throw new UserError(`${file} is not a kubeconfig (${key} is not a list)`);
  }
  return value as KubeconfigDoc;
}
