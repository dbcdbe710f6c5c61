/**
 * The client side of kubectl's exec credential plugin protocol (client.authentication.k8s.io):
 * kubectl runs `daas-auth token ... --exec-credential` with KUBERNETES_EXEC_INFO describing what it
 * expects, and reads an ExecCredential from stdout. `expirationTimestamp` is a minute before the
 * token's `exp`, so kubectl asks for a new token before the webhook would refuse the old one and
 * long-running commands keep working.
 */

export const EXEC_CREDENTIAL_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecCredentialVersion = (typeof EXEC_CREDENTIAL_VERSIONS)[number];
/** Used when KUBERNETES_EXEC_INFO is absent (an old kubectl, or a manual run). */
export const DEFAULT_EXEC_CREDENTIAL_VERSION: ExecCredentialVersion = 'client.authentication.k8s.io/v1beta1';
/** How long before `exp` kubectl is told the credential expires. */
export const EXPIRY_MARGIN_SECONDS = 60;

export interface ExecCredential {
  apiVersion: ExecCredentialVersion;
  kind: 'ExecCredential';
  status: { token: string; expirationTimestamp: string };
}

/** The apiVersion kubectl asked for in KUBERNETES_EXEC_INFO; throws on one we cannot answer. */
export function execCredentialVersion(execInfo: string | undefined): ExecCredentialVersion {
  if (execInfo === undefined || execInfo.trim() === '') return DEFAULT_EXEC_CREDENTIAL_VERSION;
  let info: unknown;
  try {
    info = JSON.parse(execInfo);
  } catch {
    throw new Error('KUBERNETES_EXEC_INFO is not valid JSON');
  }
  const version = (info as { apiVersion?: unknown } | null)?.apiVersion;
  if (!EXEC_CREDENTIAL_VERSIONS.includes(version as ExecCredentialVersion)) {
    throw new Error(`kubectl asked for ExecCredential ${String(version)}; supported: ${EXEC_CREDENTIAL_VERSIONS.join(', ')}`);
  }
  return version as ExecCredentialVersion;
}

/**
 * `refreshAtUnixSeconds`, when given and earlier, is when the client must ask again although the token
 * still lives: a client that keeps presenting one token is answered from kube-apiserver's own 10 s cache
 * of successful authentications even after a slash, so a bounded reuse bounds that too (docs/authn.md).
 */
export function execCredential(version: ExecCredentialVersion, token: string, expUnixSeconds: number, refreshAtUnixSeconds?: number): ExecCredential {
  const expiresSeconds = Math.min(expUnixSeconds - EXPIRY_MARGIN_SECONDS, refreshAtUnixSeconds ?? Number.POSITIVE_INFINITY);
  const expiresAt = new Date(expiresSeconds * 1000);
  return {
    apiVersion: version,
    kind: 'ExecCredential',
    status: { token, expirationTimestamp: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z') },
  };
}
