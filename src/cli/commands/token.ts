/**
 * `daas-auth token`: makes a seal token (docs/design.md §3) for a cluster from the caller's key and one of
 * their SealTokens, and prints it — or, with --exec-credential, prints the ExecCredential kubectl's
 * exec plugin protocol expects. Pure local signing: no chain access. As an exec plugin it runs on
 * every kubectl command, so it first looks in its token cache (token-cache.ts), and only a miss
 * loads the Sui SDK to sign.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../config/duration.ts';
import { isDns1123Subdomain, isSuiId } from '../../policy/formats.ts';
import { isAudience } from '../../token/claims.ts';
import { execCredential, execCredentialVersion } from '../../token/exec-credential.ts';
import { UserError } from '../errors.ts';
import { keySourcesOf, outputOf } from '../globals.ts';
import type { KeySources } from '../keys.ts';
import { credentialFileText, defaultTokenCacheDir, keyFingerprint, reusableUntil, TokenCache, writeCredentialFile, type CachedToken, type TokenRequest } from '../token-cache.ts';

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
  cacheDir?: string;
  cache: boolean;
  refresh?: string;
  credentialFile?: string;
}

export function register(program: Command): void {
  program
    .command('token')
    .description('print a seal_... bearer token for a cluster (or an ExecCredential for kubectl)')
    .option('--seal-token <id>', 'your SealToken object id (or DAAS_SEAL_TOKEN)')
    .option('--cluster <id>', 'the cluster id the token is for (or DAAS_CLUSTER)')
    .option('--node <name>', 'make a kubelet token for this node (needs an Active SealBinding)')
    .option('--ttl <duration>', 'token lifetime, e.g. 15m', '15m')
    .option('--exec-credential', 'print an ExecCredential (client.authentication.k8s.io v1/v1beta1 per KUBERNETES_EXEC_INFO; JSON whatever --output says)')
    .option('--cache-dir <dir>', 'with --exec-credential: where tokens are kept for reuse (or DAAS_TOKEN_CACHE_DIR; default ~/.kube/cache/daas-auth)')
    .option('--no-cache', 'with --exec-credential: always mint a new token')
    .option(
      '--refresh <duration>',
      "with --exec-credential: use a token for at most this long, then mint a new one (e.g. 1s for a kubelet): kube-apiserver answers a token it accepted in the last 10 s from its own cache, so this bounds how long a slashed stake's client keeps working",
    )
    .option('--credential-file <file>', "with --exec-credential: also keep the ExecCredential in FILE for the kubeconfig's shell fast path (set up by daas-auth kubeconfig)")
    .action(async (opts: TokenOptions, cmd: Command) => {
      const env = process.env;
      const sealToken = (opts.sealToken ?? env.DAAS_SEAL_TOKEN ?? '').trim().toLowerCase();
      const cluster = (opts.cluster ?? env.DAAS_CLUSTER ?? '').trim();
      if (!isSuiId(sealToken)) throw new UserError('--seal-token must be a SealToken object id (0x + 64 hex digits)');
      if (!isAudience(cluster)) throw new UserError('--cluster must be the cluster id (1–253 printable characters, no spaces)');
      if (opts.node !== undefined && !isDns1123Subdomain(opts.node)) throw new UserError(`--node "${opts.node}" is not a valid node name`);
      const ttl = ttlSeconds(opts.ttl);
      const keys: KeySources = keySourcesOf(cmd, env);
      const wanted = { cluster, sealToken, ttlSeconds: ttl, ...(opts.node ? { node: opts.node } : {}) };
      if (!opts.execCredential) {
        const { token, exp } = await mint(keys, wanted);
        outputOf(cmd).print(token, { token, exp, expiresAt: new Date(exp * 1000).toISOString(), cluster, sealToken, ...(opts.node ? { node: opts.node } : {}) });
        return;
      }
      const version = execVersion(env.KUBERNETES_EXEC_INFO);
      const refresh = opts.refresh === undefined ? undefined : refreshSeconds(opts.refresh, ttl);
      const { token, exp, iat } = opts.cache ? await cachedOrMinted(keys, wanted, opts.cacheDir ?? env.DAAS_TOKEN_CACHE_DIR, refresh) : await mint(keys, wanted);
      const refreshAt = refresh === undefined || iat === undefined ? undefined : iat + refresh;
      const credential = JSON.stringify(execCredential(version, token, exp, refreshAt));
      // Only in the version the kubeconfig entry asks for, so the shell fast path never hands kubectl another.
      if (opts.credentialFile !== undefined && opts.cache && version === 'client.authentication.k8s.io/v1') {
        keepCredential(opts.credentialFile, credentialFileText(reusableUntil({ token, exp, iat }, ttl, refresh), credential));
      }
      process.stdout.write(`${credential}\n`);
    });
}

type Wanted = Omit<TokenRequest, 'key'>;

/**
 * Signs a new token: an ed25519 key through OpenSSL (ed25519-signer.ts), any other key through the
 * Sui SDK, which is loaded only then.
 */
async function mint(keys: KeySources, wanted: Wanted): Promise<CachedToken> {
  const [{ plainEd25519Signer }, { makeSealToken, newClaims }] = await Promise.all([import('../ed25519-signer.ts'), import('../../token/make.ts')]);
  const signer = plainEd25519Signer(keys) ?? (await import('../keys.ts')).loadSigner(keys);
  const claims = newClaims({ cluster: wanted.cluster, sub: signer.toSuiAddress(), sealToken: wanted.sealToken, ttlSeconds: wanted.ttlSeconds, ...(wanted.node ? { node: wanted.node } : {}) });
  return { token: await makeSealToken(signer, claims), exp: claims.exp, iat: claims.iat };
}

/** A reusable cached token, or a new one (then cached). A cache that cannot be written costs a warning, never the token. */
async function cachedOrMinted(keys: KeySources, wanted: Wanted, dir: string | undefined, refresh: number | undefined): Promise<CachedToken> {
  const key = keyFingerprint({ key: keys.key, keystore: keys.keystore, address: keys.address, envKey: keys.env?.DAAS_KEY });
  if (key === undefined) return mint(keys, wanted); // no usable key source: minting says what is wrong
  const cache = new TokenCache(dir ?? defaultTokenCacheDir());
  const request: TokenRequest = { ...wanted, key };
  const hit = cache.read(request, Math.floor(Date.now() / 1000), refresh);
  if (hit) return hit;
  const minted = await mint(keys, wanted);
  try {
    cache.write(request, minted);
  } catch (error) {
    process.stderr.write(`daas-auth: warning: cannot write the token cache in ${cache.dir} (${(error as NodeJS.ErrnoException).code ?? 'error'}); use --cache-dir or --no-cache\n`);
  }
  return minted;
}

/** `--ttl`: a duration from 2m to 24h, in seconds (a warning above the webhook's default maximum). */
export function keepCredential(file: string, text: string): void {
  try {
    writeCredentialFile(file, text);
  } catch (error) {
    process.stderr.write(`daas-auth: warning: cannot write --credential-file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})\n`);
  }
}

/** `--ttl`: a duration from 2m to 24h, in seconds (a warning above the webhook's default maximum). */
export function ttlSeconds(text: string): number {
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

function refreshSeconds(text: string, ttl: number): number {
  let seconds: number;
  try {
    seconds = parseDuration(text);
  } catch (error) {
    throw new UserError(`--refresh: ${(error as Error).message}`);
  }
  if (seconds < 1 || seconds > ttl) throw new UserError('--refresh must be between 1s and the token lifetime (--ttl)');
  return seconds;
}

function execVersion(execInfo: string | undefined) {
  try {
    return execCredentialVersion(execInfo);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}
