/**
 * `daas-auth token`: makes a seal token (DESIGN §3) for a cluster from the caller's key and one of
 * their SealTokens, and prints it — or, with --exec-credential, prints the ExecCredential kubectl's
 * exec plugin protocol expects. Pure local signing: no chain access, so it is fast enough to run on
 * every kubectl invocation.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../config/duration.ts';
import { isDns1123Subdomain, isSuiId } from '../../k8s/sealbinding.ts';
import { isAudience } from '../../token/claims.ts';
import { execCredential, execCredentialVersion } from '../../token/exec-credential.ts';
import { makeSealToken, newClaims } from '../../token/make.ts';
import { UserError } from '../errors.ts';
import { loadSigner } from '../keys.ts';

/** The webhook's default maximum lifetime; longer tokens are refused unless the operator raised it. */
const DEFAULT_MAX_TTL_SECONDS = 15 * 60;
const MIN_TTL_SECONDS = 2 * 60;
const MAX_TTL_SECONDS = 24 * 60 * 60;

interface TokenOptions {
  sealToken?: string;
  cluster?: string;
  node?: string;
  ttl: string;
  execCredential?: boolean;
}

export function register(program: Command): void {
  program
    .command('token')
    .description('print a seal_... bearer token for a cluster (or an ExecCredential for kubectl)')
    .option('--seal-token <id>', 'your SealToken object id (or DAAS_SEAL_TOKEN)')
    .option('--cluster <id>', 'the cluster id the token is for (or DAAS_CLUSTER)')
    .option('--node <name>', 'make a kubelet token for this node (needs an Active SealBinding)')
    .option('--ttl <duration>', 'token lifetime, e.g. 15m', '15m')
    .option('--exec-credential', 'print an ExecCredential (client.authentication.k8s.io v1/v1beta1 per KUBERNETES_EXEC_INFO)')
    .action(async (opts: TokenOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ key?: string; keystore?: string; address?: string }>();
      const env = process.env;
      const sealToken = (opts.sealToken ?? env.DAAS_SEAL_TOKEN ?? '').trim().toLowerCase();
      const cluster = (opts.cluster ?? env.DAAS_CLUSTER ?? '').trim();
      if (!isSuiId(sealToken)) throw new UserError('--seal-token must be a SealToken object id (0x + 64 hex digits)');
      if (!isAudience(cluster)) throw new UserError('--cluster must be the cluster id (1–253 printable characters, no spaces)');
      if (opts.node !== undefined && !isDns1123Subdomain(opts.node)) throw new UserError(`--node "${opts.node}" is not a valid node name`);
      const ttl = ttlSeconds(opts.ttl);
      const version = opts.execCredential ? execVersion(env.KUBERNETES_EXEC_INFO) : undefined;
      const signer = loadSigner({ key: globals.key, keystore: globals.keystore, address: globals.address, env });
      const claims = newClaims({ cluster, sub: signer.toSuiAddress(), sealToken, ttlSeconds: ttl, ...(opts.node ? { node: opts.node } : {}) });
      const token = await makeSealToken(signer, claims);
      const out = version ? JSON.stringify(execCredential(version, token, claims.exp)) : token;
      process.stdout.write(`${out}\n`);
    });
}

function ttlSeconds(text: string): number {
  let seconds: number;
  try {
    seconds = parseDuration(text);
  } catch (error) {
    throw new UserError(`--ttl: ${(error as Error).message}`);
  }
  if (seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS) throw new UserError('--ttl must be between 2m and 24h');
  if (seconds > DEFAULT_MAX_TTL_SECONDS) {
    process.stderr.write('daas-auth: warning: a token living longer than 15m is refused unless the webhook\'s token.maxLifetime allows it\n');
  }
  return seconds;
}

function execVersion(execInfo: string | undefined) {
  try {
    return execCredentialVersion(execInfo);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}
