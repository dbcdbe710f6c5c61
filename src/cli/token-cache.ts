/**
 * The exec plugin's token cache. kubectl keeps an ExecCredential only in memory, so every kubectl
 * command runs `daas-auth token --exec-credential` anew; minting means loading the Sui SDK and
 * signing (~0.3 s), while handing back a token minted a minute ago needs neither. Tokens are kept
 * one file each under a 0700 directory, files 0600, written atomically (like kubelogin's cache in
 * ~/.kube/cache): a bearer token lives at most its `--ttl` and the key that makes them already sits
 * on the same disk.
 *
 * A file's name is the SHA-256 of everything that shaped the token (cluster, SealToken, node, ttl,
 * and a fingerprint of the key source), so a change of any of them mints anew. Nothing here needs
 * the SDK: that is the point.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface CachedToken {
  token: string;
  /** The token's `exp` claim, unix seconds. */
  exp: number;
  /** The token's `iat` claim, unix seconds (absent in cache files of earlier versions). */
  iat?: number;
}

export interface TokenRequest {
  cluster: string;
  sealToken: string;
  node?: string;
  ttlSeconds: number;
  /** keyFingerprint() of where the signing key comes from. */
  key: string;
}

/** Where the key comes from, as a digest: the CLI's key flags and DAAS_KEY (never stored as such). */
export interface KeySource {
  key?: string;
  keystore?: string;
  address?: string;
  envKey?: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * A digest standing for the signing key, or undefined when the sources are ambiguous or unreadable
 * (then the token is minted, and minting reports the problem). A keystore counts by its contents.
 */
export function keyFingerprint(source: KeySource): string | undefined {
  const address = source.address?.toLowerCase() ?? '';
  if (source.key && source.keystore) return undefined;
  if (source.keystore) {
    let contents: string;
    try {
      contents = readFileSync(source.keystore, 'utf8');
    } catch {
      return undefined;
    }
    return sha256(`keystore\0${path.resolve(source.keystore)}\0${contents}\0${address}`);
  }
  const key = source.key ?? source.envKey;
  return key ? sha256(`key\0${key.trim()}\0${address}`) : undefined;
}

export function defaultTokenCacheDir(): string {
  return path.join(homedir(), '.kube', 'cache', 'daas-auth');
}

/**
 * A cached token is handed out only while it has a useful life left: its ExecCredential expires a
 * minute before `exp`, and kubectl should get at least a quarter of the lifetime (at least a minute)
 * out of it before running the plugin again.
 */
export function isReusable(cached: CachedToken, nowSeconds: number, ttlSeconds: number, refreshSeconds?: number): boolean {
  return nowSeconds <= reusableUntil(cached, ttlSeconds, refreshSeconds);
}

/**
 * The last second (unix) at which isReusable still holds. With a refresh interval (`token --refresh`),
 * also no later than the interval after the token was minted; a token of unknown age is not reused.
 */
export function reusableUntil(cached: CachedToken, ttlSeconds: number, refreshSeconds?: number): number {
  const byLifetime = cached.exp - 60 - Math.max(60, Math.floor(ttlSeconds / 4));
  if (refreshSeconds === undefined) return byLifetime;
  if (cached.iat === undefined) return Number.NEGATIVE_INFINITY;
  return Math.min(byLifetime, cached.iat + refreshSeconds - 1);
}

/**
 * The credential file of the shell fast path (`daas-auth kubeconfig`, docs/kubeconfig-exec.md): the
 * last second it may be handed out, then the ExecCredential exactly as printed. A shell reads the first
 * line, compares it with the clock and prints the rest, without starting this program at all.
 */
export function credentialFileText(until: number, credentialJson: string): string {
  return `${until}\n${credentialJson}\n`;
}

/** Writes a credential file whole or not at all (0600 in a 0700 directory). */
export function writeCredentialFile(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}

export class TokenCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #file(request: TokenRequest): string {
    const name = sha256(JSON.stringify({ v: 1, cluster: request.cluster, sealToken: request.sealToken, node: request.node ?? null, ttl: request.ttlSeconds, key: request.key }));
    return path.join(this.dir, `${name}.json`);
  }

  /** The cached token for `request` if one is there, well-formed and still reusable. */
  read(request: TokenRequest, nowSeconds: number, refreshSeconds?: number): CachedToken | undefined {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(this.#file(request), 'utf8'));
    } catch {
      return undefined; // none yet, or unreadable: mint
    }
    const entry = value as Partial<CachedToken> | null;
    if (typeof entry?.token !== 'string' || !entry.token.startsWith('seal_') || !Number.isSafeInteger(entry.exp)) return undefined;
    const cached = { token: entry.token, exp: entry.exp!, ...(Number.isSafeInteger(entry.iat) ? { iat: entry.iat! } : {}) };
    return isReusable(cached, nowSeconds, request.ttlSeconds, refreshSeconds) ? cached : undefined;
  }

  /** Stores a token (atomically: a reader sees the old file or the new one, never half of one). */
  write(request: TokenRequest, cached: CachedToken): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.#file(request);
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(temporary, JSON.stringify({ token: cached.token, exp: cached.exp, iat: cached.iat }), { mode: 0o600 });
    renameSync(temporary, file);
  }
}
