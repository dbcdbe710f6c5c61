// The test bed's own PKI, made with the openssl command line: one CA signs every certificate, all keys are
// ECDSA P-256 (fast to make, accepted by every component). Nothing here is meant for production.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runChecked } from './run.ts';

export interface CertPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: CertPair;
  /** kube-apiserver's serving certificate (loopback and the in-cluster service names). */
  apiserver: CertPair;
  /** system:masters client; the admin kubeconfig uses it. */
  admin: CertPair;
  controllerManager: CertPair;
  scheduler: CertPair;
  kwok: CertPair;
  /** Serving certificate for daas-auth's webhooks on 127.0.0.1 / localhost / ::1. */
  webhookServing: CertPair;
  /** The client certificate kube-apiserver presents to the webhooks (CN kube-apiserver). */
  webhookClient: CertPair;
  frontProxyCa: CertPair;
  frontProxyClient: CertPair;
  /** Service-account token signing key (private) and its public half. */
  serviceAccount: { key: string; pub: string };
}

type Usage = 'server' | 'client';

export interface LeafSpec {
  name: string;
  subject: { cn: string; o?: string };
  usage: Usage;
  sans?: string[];
}

const DAYS = '3650';

function opensslConfig(cn: string, o: string | undefined, extensions: string[]): string {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    'x509_extensions = ext',
    '[dn]',
    ...(o ? [`O = ${o}`] : []),
    `CN = ${cn}`,
    '[ext]',
    ...extensions,
    '',
  ].join('\n');
}

/** Runs openssl; a machine without it gets a one-line answer instead of a spawn error. */
async function openssl(args: string[]): Promise<void> {
  try {
    await runChecked('openssl', args);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new Error(
      'the openssl command is needed to make the test bed PKI (Debian: apt-get install openssl)',
      {
        cause: e,
      },
    );
  }
}

async function newKey(path: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

function serial(): string {
  return `0x${randomBytes(16).toString('hex').replace(/^./, '1')}`;
}

async function makeCa(dir: string, base: string, cn: string): Promise<CertPair> {
  const pair = { cert: join(dir, `${base}.crt`), key: join(dir, `${base}.key`) };
  const cnf = join(dir, `${base}.cnf`);
  writeFileSync(
    cnf,
    opensslConfig(cn, undefined, [
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash',
    ]),
  );
  await newKey(pair.key);
  await openssl([
    'req',
    '-x509',
    '-new',
    '-config',
    cnf,
    '-key',
    pair.key,
    '-days',
    DAYS,
    '-set_serial',
    serial(),
    '-out',
    pair.cert,
  ]);
  return pair;
}

/** A leaf certificate signed by `ca` (exported for e2e tests that need another client of the same CA). */
export async function makeLeaf(dir: string, ca: CertPair, spec: LeafSpec): Promise<CertPair> {
  const pair = { cert: join(dir, `${spec.name}.crt`), key: join(dir, `${spec.name}.key`) };
  const cnf = join(dir, `${spec.name}.cnf`);
  const csr = join(dir, `${spec.name}.csr`);
  const ext = [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage = ${spec.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    ...(spec.sans?.length ? [`subjectAltName = ${spec.sans.join(',')}`] : []),
  ];
  writeFileSync(cnf, opensslConfig(spec.subject.cn, spec.subject.o, ext));
  await newKey(pair.key);
  await openssl(['req', '-new', '-config', cnf, '-key', pair.key, '-out', csr]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-set_serial',
    serial(),
    '-days',
    DAYS,
    '-extfile',
    cnf,
    '-extensions',
    'ext',
    '-out',
    pair.cert,
  ]);
  return pair;
}

const LOOPBACK_SANS = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost'];

async function makeServiceAccountKey(dir: string): Promise<{ key: string; pub: string }> {
  const key = join(dir, 'sa.key');
  const pub = join(dir, 'sa.pub');
  await newKey(key);
  await openssl(['pkey', '-in', key, '-pubout', '-out', pub]);
  return { key, pub };
}

/** Awaits every promise of `named` side by side: the same names, their values. */
async function allOf<T extends Record<string, Promise<unknown>>>(named: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(Object.entries(named).map(async ([name, promise]) => [name, await promise] as const));
  return Object.fromEntries(entries) as { [K in keyof T]: Awaited<T[K]> };
}

/** Creates every key and certificate the cluster and daas-auth's webhooks need, under `dir`. */
export async function makePki(dir: string, serviceIp: string): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await makeCa(dir, 'ca', 'daas-auth test bed CA');
  // The aggregation layer's own CA: kube-apiserver proxies to extension servers with a client certificate
  // from it, and controller-manager and scheduler expect its bundle in extension-apiserver-authentication.
  const frontProxyCa = await makeCa(dir, 'front-proxy-ca', 'daas-auth test bed front-proxy CA');
  const leaf = (spec: LeafSpec) => makeLeaf(dir, ca, spec);
  const inCluster = [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
  ];
  const apiserverSans = [...LOOPBACK_SANS, `IP:${serviceIp}`, ...inCluster.map((d) => `DNS:${d}`)];
  // Independent of each other once the CA exists: made side by side.
  const made = await allOf({
    apiserver: leaf({ name: 'apiserver', subject: { cn: 'kube-apiserver' }, usage: 'server', sans: apiserverSans }),
    admin: leaf({ name: 'admin', subject: { cn: 'kubernetes-admin', o: 'system:masters' }, usage: 'client' }),
    controllerManager: leaf({ name: 'controller-manager', subject: { cn: 'system:kube-controller-manager' }, usage: 'client' }),
    scheduler: leaf({ name: 'scheduler', subject: { cn: 'system:kube-scheduler' }, usage: 'client' }),
    // kwok plays every kubelet at once (node and pod status of all fake nodes), so it acts as an admin.
    kwok: leaf({ name: 'kwok', subject: { cn: 'kwok-controller', o: 'system:masters' }, usage: 'client' }),
    webhookServing: leaf({ name: 'webhook', subject: { cn: 'daas-auth-webhook' }, usage: 'server', sans: LOOPBACK_SANS }),
    webhookClient: leaf({ name: 'webhook-client', subject: { cn: 'kube-apiserver' }, usage: 'client' }),
    frontProxyClient: makeLeaf(dir, frontProxyCa, {
      name: 'front-proxy-client',
      subject: { cn: 'front-proxy-client' },
      usage: 'client',
    }),
    serviceAccount: makeServiceAccountKey(dir),
  });
  return { dir, ca, frontProxyCa, ...made };
}
