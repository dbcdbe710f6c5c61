/**
 * `daas-auth doctor`'s verdicts, pure: each takes what a probe (probes.ts) observed and says pass, warn,
 * fail or skip, with one line that names the broken piece and, where it can, the fix. Kept apart from the
 * I/O so every verdict is unit-tested on exact inputs.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id, for scripts reading `--output json`. */
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
}

const DAY_MS = 86_400_000;
export const CERT_WARN_DAYS = 30;
export const SKEW_WARN_MS = 5_000;
/** Seal tokens carry iat/exp in seconds and are checked against daas-auth's clock: a minute off refuses fresh tokens. */
export const SKEW_FAIL_MS = 60_000;

const result = (id: string, title: string, status: CheckStatus, detail: string): CheckResult => ({ id, title, status, detail });

/** What a SelfSubjectReview made with a fresh seal token returned. */
export type AuthnObservation =
  | { kind: 'skipped'; why: string }
  | { kind: 'user'; username: string }
  | { kind: 'refused'; code: number; message: string }
  | { kind: 'error'; message: string };

export function judgeAuthn(seen: AuthnObservation, expected: string): CheckResult {
  const r = (status: CheckStatus, detail: string) => result('authn-webhook', 'kube-apiserver calls the token webhook', status, detail);
  switch (seen.kind) {
    case 'skipped':
      return r('skip', seen.why);
    case 'user':
      return seen.username === expected
        ? r('pass', `a fresh seal token authenticates as ${expected}`)
        : r('fail', `a fresh seal token authenticated as ${seen.username}, not ${expected}: another authenticator answered first`);
    case 'refused':
      return r(
        'fail',
        seen.code === 401
          ? 'kube-apiserver refused a fresh seal token (401): its token webhook is not wired to daas-auth, or daas-auth does not answer (--authentication-token-webhook-config-file, docs/install.md)'
          : `kube-apiserver answered the SelfSubjectReview with ${seen.code}: ${seen.message}`,
      );
    case 'error':
      return r('fail', `could not ask kube-apiserver: ${seen.message}`);
  }
}

/** One admission webhook's TLS handshake, verified against its configuration's caBundle. */
export type TlsObservation =
  | { kind: 'verified'; target: string; notAfter: Date; subject: string }
  | { kind: 'unverified'; target: string; reason: string; notAfter?: Date }
  | { kind: 'unreachable'; target: string; reason: string };

export type AdmissionObservation =
  | { kind: 'missing'; name: string }
  | { kind: 'error'; message: string }
  | { kind: 'found'; name: string; webhooks: { name: string; caBundle: boolean; tls: TlsObservation | { kind: 'no-endpoint'; reason: string } }[] };

export function judgeAdmission(seen: AdmissionObservation): CheckResult {
  const r = (status: CheckStatus, detail: string) => result('admission-webhook', 'admission webhook configuration', status, detail);
  if (seen.kind === 'missing') return r('fail', `ValidatingWebhookConfiguration ${seen.name} does not exist: unbound Nodes are admitted (install the chart, or daas-auth binding webhook-manifest | kubectl apply -f -)`);
  if (seen.kind === 'error') return r('fail', `could not read the ValidatingWebhookConfiguration: ${seen.message}`);
  if (seen.webhooks.length === 0) return r('fail', `ValidatingWebhookConfiguration ${seen.name} has no webhooks`);
  for (const w of seen.webhooks) {
    if (!w.caBundle) return r('fail', `${w.name}: no caBundle, kube-apiserver cannot verify the webhook`);
    const t = w.tls;
    if (t.kind === 'no-endpoint') return r('fail', `${w.name}: ${t.reason}`);
    if (t.kind === 'unreachable') return r('fail', `${w.name}: ${t.target} does not answer (${t.reason})`);
    if (t.kind === 'unverified') return r('fail', `${w.name}: the caBundle does not verify the serving certificate of ${t.target} (${t.reason}): wrong CA`);
  }
  return r('pass', `${seen.name}: ${seen.webhooks.map((w) => w.name).join(', ')} reachable, caBundle verifies the serving certificate`);
}

export function judgeCertificate(seen: AdmissionObservation, now: Date): CheckResult {
  const r = (status: CheckStatus, detail: string) => result('serving-certificate', 'webhook serving certificate expiry', status, detail);
  const certs = seen.kind === 'found' ? seen.webhooks.flatMap((w) => ('notAfter' in w.tls && w.tls.notAfter ? [{ target: w.tls.target, notAfter: w.tls.notAfter }] : [])) : [];
  if (certs.length === 0) return r('skip', 'no serving certificate could be read (see the admission webhook check)');
  const first = certs.reduce((a, b) => (b.notAfter < a.notAfter ? b : a));
  const days = Math.floor((first.notAfter.getTime() - now.getTime()) / DAY_MS);
  const when = first.notAfter.toISOString();
  if (first.notAfter <= now) return r('fail', `the certificate of ${first.target} expired at ${when}`);
  if (days < CERT_WARN_DAYS) return r('warn', `the certificate of ${first.target} expires in ${days} days (${when}); renew it`);
  return r('pass', `expires in ${days} days (${when})`);
}

export type EndpointObservation = { url: string } & ({ kind: 'answered'; chainId: string } | { kind: 'unreachable'; reason: string });

export function judgeEndpoint(seen: EndpointObservation, expectedChainId: string | undefined): CheckResult {
  const r = (status: CheckStatus, detail: string) => result('chain-endpoint', `Sui endpoint ${seen.url}`, status, detail);
  if (seen.kind === 'unreachable') return r('fail', `does not answer (${seen.reason}): the chain is down or unreachable from here`);
  if (expectedChainId !== undefined && seen.chainId !== expectedChainId) {
    return r('fail', `serves chain ${seen.chainId}, expected ${expectedChainId}: the endpoint belongs to another network`);
  }
  return r('pass', `chain id ${seen.chainId}${expectedChainId === undefined ? ' (no expected chain id configured)' : ''}`);
}

/** What the chain said about one configured object id. */
export type ObjectObservation = { kind: 'found'; type: string } | { kind: 'missing' } | { kind: 'error'; message: string };

export function judgeObjects(ids: { packageId: string; poolId: string }, pkg: ObjectObservation, pool: ObjectObservation): CheckResult {
  const r = (status: CheckStatus, detail: string) => result('chain-objects', 'daas package and stake pool', status, detail);
  if (pkg.kind === 'error') return r('fail', `could not read package ${ids.packageId}: ${pkg.message}`);
  if (pkg.kind === 'missing') return r('fail', `package ${ids.packageId} does not exist on this chain: wrong network.packageId`);
  if (pool.kind === 'error') return r('fail', `could not read pool ${ids.poolId}: ${pool.message}`);
  if (pool.kind === 'missing') return r('fail', `pool ${ids.poolId} does not exist on this chain: wrong network.poolId`);
  const poolType = `${normalizeId(ids.packageId)}::staking::StakePool`;
  if (normalizeType(pool.type) !== poolType) return r('fail', `object ${ids.poolId} is a ${pool.type}, not a ${poolType}: wrong network.poolId or packageId`);
  return r('pass', `package ${ids.packageId} and its StakePool ${ids.poolId} exist`);
}

function normalizeId(id: string): string {
  return `0x${id.replace(/^0x/i, '').toLowerCase().padStart(64, '0')}`;
}

function normalizeType(type: string): string {
  const [address, ...rest] = type.split('::');
  return [normalizeId(address ?? ''), ...rest].join('::');
}

export type ClockObservation = { kind: 'measured'; skewMs: number; host: string } | { kind: 'error'; message: string };

export function judgeClock(seen: ClockObservation): CheckResult {
  const r = (status: CheckStatus, detail: string) => result('clock-skew', 'clock skew against kube-apiserver', status, detail);
  if (seen.kind === 'error') return r('fail', `could not read kube-apiserver's clock: ${seen.message}`);
  const abs = Math.abs(seen.skewMs);
  const text = `this machine is ${(abs / 1000).toFixed(1)} s ${seen.skewMs > 0 ? 'behind' : 'ahead of'} ${seen.host}`;
  if (abs > SKEW_FAIL_MS) return r('fail', `${text}: seal tokens minted here will be refused; fix NTP`);
  if (abs > SKEW_WARN_MS) return r('warn', `${text}; check NTP`);
  return r('pass', `within ${SKEW_WARN_MS / 1000} s (${text}, ±1 s)`);
}

export type CrdObservation = { kind: 'missing'; name: string } | { kind: 'found'; name: string; established: boolean; versions: string[] } | { kind: 'error'; message: string };

export function judgeCrd(seen: CrdObservation, wantVersion: string): CheckResult {
  const r = (status: CheckStatus, detail: string) => result('crd', 'SealBinding CRD', status, detail);
  if (seen.kind === 'error') return r('fail', `could not read the CRD: ${seen.message}`);
  if (seen.kind === 'missing') return r('fail', `CustomResourceDefinition ${seen.name} does not exist (kubectl apply -f crds/, or install the chart)`);
  if (!seen.established) return r('fail', `CustomResourceDefinition ${seen.name} is not Established`);
  if (!seen.versions.includes(wantVersion)) return r('fail', `CustomResourceDefinition ${seen.name} serves ${seen.versions.join(', ')}, not ${wantVersion}`);
  return r('pass', `${seen.name} established, serving ${wantVersion}`);
}

export type LeaseObservation =
  | { kind: 'missing'; name: string }
  | { kind: 'found'; name: string; holder?: string; renewTime?: string; leaseDurationSeconds?: number }
  | { kind: 'error'; message: string };

export function judgeLeader(seen: LeaseObservation, now: Date): CheckResult {
  const r = (status: CheckStatus, detail: string) => result('leader', 'a controller holds the leader Lease', status, detail);
  if (seen.kind === 'error') return r('fail', `could not read the Lease: ${seen.message}`);
  if (seen.kind === 'missing') return r('fail', `Lease ${seen.name} does not exist: no controller has ever run (or controller.leaseNamespace/leaseName differ)`);
  if (!seen.holder) return r('fail', `Lease ${seen.name} has no holder: no controller is leader`);
  const renewed = seen.renewTime ? Date.parse(seen.renewTime) : NaN;
  const expires = renewed + (seen.leaseDurationSeconds ?? 0) * 1000;
  if (!Number.isFinite(expires) || expires < now.getTime()) {
    return r('fail', `Lease ${seen.name} held by ${seen.holder} expired${seen.renewTime ? ` (last renewed ${seen.renewTime})` : ''}: the leader is gone`);
  }
  return r('pass', `${seen.holder} holds ${seen.name}`);
}

export function failed(results: readonly CheckResult[]): boolean {
  return results.some((c) => c.status === 'fail');
}

const MARK: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };

/** One line per check. */
export function renderText(results: readonly CheckResult[]): string {
  return results.map((c) => `${MARK[c.status]} ${c.title}: ${c.detail}\n`).join('');
}
