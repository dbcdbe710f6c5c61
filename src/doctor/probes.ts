/**
 * `daas-auth doctor`'s probes: each asks the live installation one question (kube-apiserver, the admission
 * webhook's TLS endpoint, each Sui endpoint) within a deadline and returns what it saw; checks.ts judges.
 * Probes never throw: a failure to ask is itself an observation.
 */
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { ChainClient } from '../chain/client.ts';
import type { NetworkConfig } from '../chain/network.ts';
import { KubeApiError, KubeRest, isStatus } from '../k8s/rest.ts';
import { SEALBINDING_GROUP, SEALBINDING_PLURAL, SEALBINDING_VERSION } from '../k8s/sealbinding.ts';
import {
  judgeAdmission,
  judgeAuthn,
  judgeCertificate,
  judgeClock,
  judgeCrd,
  judgeEndpoint,
  judgeLeader,
  judgeObjects,
  type AdmissionObservation,
  type AuthnObservation,
  type CheckResult,
  type ClockObservation,
  type CrdObservation,
  type EndpointObservation,
  type LeaseObservation,
  type ObjectObservation,
  type TlsObservation,
} from './checks.ts';

export interface DoctorInputs {
  kubeConfig: KubeConfig;
  network: NetworkConfig;
  timeoutMs: number;
  webhookConfiguration: string;
  lease: { namespace: string; name: string };
  /** A freshly minted seal token and the user it must come back as, or why there is none. */
  token: { bearer: string; expectedUser: string } | { skipped: string };
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** Runs every probe (concurrently) and returns the verdicts in a fixed order. */
export async function runDoctor(inputs: DoctorInputs): Promise<CheckResult[]> {
  const rest = await KubeRest.fromKubeConfig(inputs.kubeConfig, { maxSockets: 8 });
  const chain = new ChainClient(inputs.network.endpoints, { timeoutMs: inputs.timeoutMs });
  try {
    const expectedUser = 'expectedUser' in inputs.token ? inputs.token.expectedUser : '';
    const [authn, admission, endpoints, objects, clock, crd, lease] = await Promise.all([
      probeAuthn(inputs),
      probeAdmission(rest, inputs),
      Promise.all(inputs.network.endpoints.map((url) => probeEndpoint(url, inputs.timeoutMs))),
      probeObjects(chain, inputs.network),
      probeClock(inputs.kubeConfig, inputs.timeoutMs),
      probeCrd(rest, inputs.timeoutMs),
      probeLease(rest, inputs),
    ]);
    const now = new Date();
    return [
      judgeAuthn(authn, expectedUser),
      judgeAdmission(admission),
      judgeCertificate(admission, now),
      ...endpoints.map((e) => judgeEndpoint(e, inputs.network.chainId)),
      judgeObjects(inputs.network, objects.pkg, objects.pool),
      judgeClock(clock),
      judgeCrd(crd, SEALBINDING_VERSION),
      judgeLeader(lease, now),
    ];
  } finally {
    rest.close();
    chain.close();
  }
}

/** A SelfSubjectReview sent with nothing but the seal token: what kube-apiserver makes of it. */
async function probeAuthn(inputs: DoctorInputs): Promise<AuthnObservation> {
  if ('skipped' in inputs.token) return { kind: 'skipped', why: inputs.token.skipped };
  const cluster = inputs.kubeConfig.getCurrentCluster();
  if (!cluster) return { kind: 'error', message: 'the kubeconfig has no current cluster' };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'doctor', token: inputs.token.bearer }],
    contexts: [{ name: 'doctor', cluster: cluster.name, user: 'doctor' }],
    currentContext: 'doctor',
  });
  const rest = await KubeRest.fromKubeConfig(kc, { maxSockets: 1 });
  try {
    const review = await rest.request<{ status?: { userInfo?: { username?: string } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      timeoutMs: inputs.timeoutMs,
    });
    return { kind: 'user', username: review.status?.userInfo?.username ?? '' };
  } catch (error) {
    if (error instanceof KubeApiError) return { kind: 'refused', code: error.status, message: error.body?.message ?? error.message };
    return { kind: 'error', message: message(error) };
  } finally {
    rest.close();
  }
}

interface WebhookClientConfig {
  url?: string;
  caBundle?: string;
  service?: { namespace: string; name: string; port?: number };
}

async function probeAdmission(rest: KubeRest, inputs: DoctorInputs): Promise<AdmissionObservation> {
  const name = inputs.webhookConfiguration;
  let config: { webhooks?: { name: string; clientConfig: WebhookClientConfig }[] };
  try {
    config = await rest.request('GET', `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${encodeURIComponent(name)}`, { timeoutMs: inputs.timeoutMs });
  } catch (error) {
    if (isStatus(error, 404)) return { kind: 'missing', name };
    return { kind: 'error', message: message(error) };
  }
  const webhooks = await Promise.all(
    (config.webhooks ?? []).map(async (w) => {
      const ca = w.clientConfig.caBundle ? Buffer.from(w.clientConfig.caBundle, 'base64').toString('utf8') : '';
      const target = await resolveTarget(rest, w.clientConfig, inputs.timeoutMs);
      const probe = 'reason' in target ? { kind: 'no-endpoint' as const, reason: target.reason } : await probeTls(target, ca, inputs.timeoutMs);
      return { name: w.name, caBundle: ca !== '', tls: probe };
    }),
  );
  return { kind: 'found', name, webhooks };
}

interface TlsTarget {
  host: string;
  port: number;
  /** The name the certificate must carry (the URL's host, or the Service's DNS name). */
  serverName: string;
}

/** Where kube-apiserver would connect: the URL, or a ready endpoint of the Service (as --enable-aggregator-routing does). */
async function resolveTarget(rest: KubeRest, cc: WebhookClientConfig, timeoutMs: number): Promise<TlsTarget | { reason: string }> {
  if (cc.url) {
    const url = new URL(cc.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return { host, port: Number(url.port || 443), serverName: host };
  }
  if (!cc.service) return { reason: 'clientConfig has neither url nor service' };
  const { namespace, name } = cc.service;
  try {
    const slices = await rest.request<{ items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[]; ports?: { port?: number }[] }[] }>(
      'GET',
      `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`,
      { query: { labelSelector: `kubernetes.io/service-name=${name}` }, timeoutMs },
    );
    for (const slice of slices.items) {
      const ready = slice.endpoints?.find((e) => e.conditions?.ready !== false && e.addresses.length > 0);
      const port = slice.ports?.[0]?.port;
      if (ready && port) return { host: ready.addresses[0]!, port, serverName: `${name}.${namespace}.svc` };
    }
    return { reason: `Service ${namespace}/${name} has no ready endpoint: the webhook pods are not running or not ready` };
  } catch (error) {
    return { reason: `could not read the endpoints of Service ${namespace}/${name}: ${message(error)}` };
  }
}

/** A TLS handshake trusting only the caBundle; the certificate is read whether or not it verifies. */
function probeTls(t: TlsTarget, ca: string, timeoutMs: number): Promise<TlsObservation> {
  const target = `${t.host}:${t.port}`;
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: t.host,
      port: t.port,
      ca: ca || undefined,
      ...(isIP(t.serverName) ? {} : { servername: t.serverName }),
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(t.serverName, cert),
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const done = (o: TlsObservation) => {
      socket.destroy();
      resolve(o);
    };
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate(true).raw;
      const cert = raw ? new X509Certificate(raw) : undefined;
      const notAfter = cert ? new Date(cert.validTo) : undefined;
      if (socket.authorized && cert && notAfter) done({ kind: 'verified', target, notAfter, subject: cert.subject });
      else done({ kind: 'unverified', target, reason: String(socket.authorizationError ?? 'no certificate'), ...(notAfter ? { notAfter } : {}) });
    });
    socket.once('timeout', () => done({ kind: 'unreachable', target, reason: `no TLS handshake within ${timeoutMs} ms` }));
    socket.once('error', (error) => done({ kind: 'unreachable', target, reason: message(error) }));
  });
}

async function probeEndpoint(url: string, timeoutMs: number): Promise<EndpointObservation> {
  const client = new ChainClient([url], { timeoutMs });
  try {
    const { chainIdentifier } = await client.call('getChainIdentifier', (c) => c.core.getChainIdentifier());
    return { url, kind: 'answered', chainId: chainIdentifier };
  } catch (error) {
    return { url, kind: 'unreachable', reason: message(error).replace(/^no Sui endpoint answered getChainIdentifier \(/, '').replace(/\)$/, '') };
  } finally {
    client.close();
  }
}

async function probeObjects(chain: ChainClient, net: NetworkConfig): Promise<{ pkg: ObjectObservation; pool: ObjectObservation }> {
  try {
    const { objects } = await chain.call('getObjects', (c) => c.core.getObjects({ objectIds: [net.packageId, net.poolId] }));
    const seen = (o: (typeof objects)[number] | undefined): ObjectObservation => {
      if (o === undefined) return { kind: 'error', message: 'the node returned no result' };
      if (o instanceof Error) return (o as { code?: unknown }).code === 'notExists' ? { kind: 'missing' } : { kind: 'error', message: o.message };
      return { kind: 'found', type: o.type };
    };
    return { pkg: seen(objects[0]), pool: seen(objects[1]) };
  } catch (error) {
    const e: ObjectObservation = { kind: 'error', message: message(error) };
    return { pkg: e, pool: e };
  }
}

/** kube-apiserver's Date header against this machine's clock, read between two local readings (±1 s: the header has whole seconds). */
async function probeClock(kc: KubeConfig, timeoutMs: number): Promise<ClockObservation> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) return { kind: 'error', message: 'the kubeconfig has no current cluster' };
  const url = new URL('/version', cluster.server);
  const opts: https.RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (error) {
    return { kind: 'error', message: message(error) };
  }
  return new Promise((resolve) => {
    const before = Date.now();
    const req = https.get(url, { ...opts, timeout: timeoutMs }, (res) => {
      const after = Date.now();
      res.resume();
      const date = Date.parse(res.headers.date ?? '');
      if (!Number.isFinite(date)) return resolve({ kind: 'error', message: 'no Date header in the answer' });
      // The header truncates to the second: compare with the middle of that second.
      resolve({ kind: 'measured', skewMs: date + 500 - (before + after) / 2, host: url.host });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ kind: 'error', message: message(error) }));
  });
}

async function probeCrd(rest: KubeRest, timeoutMs: number): Promise<CrdObservation> {
  const name = `${SEALBINDING_PLURAL}.${SEALBINDING_GROUP}`;
  try {
    const crd = await rest.request<{ spec: { versions: { name: string; served: boolean }[] }; status?: { conditions?: { type: string; status: string }[] } }>(
      'GET',
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      { timeoutMs },
    );
    const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    return { kind: 'found', name, established, versions: crd.spec.versions.filter((v) => v.served).map((v) => v.name) };
  } catch (error) {
    if (isStatus(error, 404)) return { kind: 'missing', name };
    return { kind: 'error', message: message(error) };
  }
}

async function probeLease(rest: KubeRest, inputs: DoctorInputs): Promise<LeaseObservation> {
  const { namespace, name } = inputs.lease;
  const full = `${namespace}/${name}`;
  try {
    const lease = await rest.request<{ spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number } }>(
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases/${encodeURIComponent(name)}`,
      { timeoutMs: inputs.timeoutMs },
    );
    const spec = lease.spec ?? {};
    return {
      kind: 'found',
      name: full,
      ...(spec.holderIdentity ? { holder: spec.holderIdentity } : {}),
      ...(spec.renewTime ? { renewTime: spec.renewTime } : {}),
      ...(spec.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: spec.leaseDurationSeconds } : {}),
    };
  } catch (error) {
    if (isStatus(error, 404)) return { kind: 'missing', name: full };
    return { kind: 'error', message: message(error) };
  }
}
