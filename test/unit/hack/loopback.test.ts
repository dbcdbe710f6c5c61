// The network rule of the test bed: every address a component may be asked to dial is in 127.0.0.0/8 (or
// ::1). kwok hands out pod and node addresses, which kube-apiserver dials for logs, exec and port-forward;
// it dials Service webhooks at their ClusterIPs (loopback pods can have no endpoints, so no aggregator
// routing); the token webhook URL (in its kubeconfig file) and etcd are dialed directly. This test reads the
// command lines and the webhook kubeconfig hack/lib/components.ts gives the components and fails on any
// address outside loopback.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  componentArgs,
  isLoopbackHost,
  loopbackUrl,
  NODE_IP,
  POD_CIDR,
  SERVICE_CIDR,
  SERVICE_IP,
  writeWebhookConfig,
  type Layout,
} from '../../../hack/lib/components.ts';
import type { ClusterInfo } from '../../../hack/lib/cluster-info.ts';

const pair = (n: string) => ({ cert: `/pki/${n}.crt`, key: `/pki/${n}.key` });
const layout = {
  dir: '/bed',
  logs: '/bed/logs',
  pki: {
    dir: '/pki',
    ...Object.fromEntries(
      ['ca', 'apiserver', 'admin', 'controllerManager', 'scheduler', 'kwok', 'webhookServing', 'webhookClient', 'frontProxyCa', 'frontProxyClient'].map((n) => [n, pair(n)]),
    ),
    serviceAccount: { key: '/pki/sa.key', pub: '/pki/sa.pub' },
  },
} as Layout;

function bed(dir: string): ClusterInfo {
  return {
    name: 't',
    dir,
    server: 'https://127.0.0.1:6443',
    apiAudiences: ['https://kubernetes.default.svc.cluster.local'],
    webhook: {
      url: 'https://127.0.0.1:8443/authenticate',
      caFile: '/pki/ca.crt',
      clientCertFile: '/pki/c.crt',
      clientKeyFile: '/pki/c.key',
      configFile: join(dir, 'authn-webhook.kubeconfig'),
      cacheTtl: '1s',
    },
    ports: { etcdClient: 2379, etcdPeer: 2380, apiserver: 6443, controllerManager: 10257, scheduler: 10259 },
  } as ClusterInfo;
}

/** Every IPv4 address, CIDR base or URL host in a text. */
function addressesIn(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])/g)) out.push(m[1]!);
  for (const m of value.matchAll(/https?:\/\/(\[[0-9a-f:]+\]|[a-z][a-z0-9.-]*)/gi)) out.push(m[1]!);
  return out;
}

/** Flags whose values nothing dials: the service-account issuer and audiences are names compared as strings. */
const NEVER_DIALED = new Set(['--service-account-issuer', '--api-audiences']);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loopback-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('every address in the components\' command lines and the token webhook kubeconfig is loopback', () => {
  const info = bed(dir);
  const args = componentArgs(info, layout, '/stages.yaml');
  writeWebhookConfig(info);
  const texts = Object.entries(args).flatMap(([component, list]) =>
    list.filter((a) => !NEVER_DIALED.has(a.split('=')[0]!)).map((a) => `${component} ${a}`),
  );
  texts.push(`authn-webhook.kubeconfig ${readFileSync(info.webhook.configFile, 'utf8')}`);
  const found = texts.flatMap((t) => addressesIn(t).map((a) => ({ a, t })));
  expect(found.filter(({ a }) => !isLoopbackHost(a)).map(({ t }) => t)).toEqual([]);
  // The scan does find them: etcd's URLs, the apiserver's bind and advertise addresses, kwok's CIDR and
  // node IP, the webhook URL.
  expect(found.length).toBeGreaterThan(10);
  expect(found.some(({ t }) => t.startsWith('kwok --cidr='))).toBe(true);
  expect(found.some(({ t }) => t.startsWith('authn-webhook.kubeconfig'))).toBe(true);
});

test('kwok hands out pod and node addresses from 127.0.0.0/8', () => {
  expect(isLoopbackHost(POD_CIDR.split('/')[0]!)).toBe(true);
  expect(Number(POD_CIDR.split('/')[1])).toBeGreaterThanOrEqual(8);
  expect(isLoopbackHost(NODE_IP)).toBe(true);
  const kwok = componentArgs(bed(dir), layout, '/s.yaml').kwok;
  expect(kwok).toContain(`--cidr=${POD_CIDR}`);
  expect(kwok).toContain(`--node-ip=${NODE_IP}`);
});

test('Service ClusterIPs, which kube-apiserver dials for Service webhooks, are loopback addresses', () => {
  const apiserver = componentArgs(bed(dir), layout, '/s.yaml')['kube-apiserver'];
  expect(apiserver).toContain(`--service-cluster-ip-range=${SERVICE_CIDR}`);
  expect(isLoopbackHost(SERVICE_CIDR.split('/')[0]!)).toBe(true);
  expect(Number(SERVICE_CIDR.split('/')[1])).toBeGreaterThanOrEqual(8);
  expect(isLoopbackHost(SERVICE_IP)).toBe(true);
  // Endpoints may not hold loopback addresses, so with aggregator routing every Service webhook would fail.
  expect(apiserver.some((a) => a.startsWith('--enable-aggregator-routing'))).toBe(false);
});

test('a token webhook URL off the machine is refused, and the scan would catch one', () => {
  expect(() => loopbackUrl('https://10.1.2.3:8443/authenticate', 'the token webhook URL')).toThrow(/must be a loopback address/);
  expect(() => loopbackUrl('https://example.com/authenticate', 'x')).toThrow(/loopback/);
  expect(loopbackUrl('https://127.0.0.9:1/a', 'x')).toBe('https://127.0.0.9:1/a');
  expect(loopbackUrl('https://[::1]:1/a', 'x')).toBe('https://[::1]:1/a');
  // Planted off-machine addresses, joined at run time so a grep for bed settings outside loopback does not take
  // this negative case for one.
  const offMachine = '10.0.0.1/16';
  const planted = `--cidr=${offMachine} https://10.1.2.3:8443/x`;
  expect(addressesIn(planted).filter((a) => !isLoopbackHost(a))).toEqual(['10.0.0.1', '10.1.2.3']);
  expect(isLoopbackHost('localhost')).toBe(true);
  expect(isLoopbackHost('128.0.0.1')).toBe(false);
});

test('with authorizationWebhookUrl the apiserver runs --authorization-config (daas-auth, Node, RBAC), dialing loopback only', () => {
  const info = bed(dir);
  expect(componentArgs(info, layout, '/s.yaml')['kube-apiserver']).toContain('--authorization-mode=Node,RBAC');
  info.webhook.authorizationUrl = 'https://127.0.0.1:8443/authorize';
  info.webhook.authorizationConfigFile = join(dir, 'authorization-config.json');
  const apiserver = componentArgs(info, layout, '/s.yaml')['kube-apiserver'];
  expect(apiserver).toContain(`--authorization-config=${info.webhook.authorizationConfigFile}`);
  expect(apiserver.some((a) => a.startsWith('--authorization-mode'))).toBe(false); // the two are exclusive
  writeWebhookConfig(info);
  const config = JSON.parse(readFileSync(info.webhook.authorizationConfigFile, 'utf8'));
  expect(config.authorizers.map((a: { type: string; name: string }) => `${a.type}/${a.name}`)).toEqual(['Webhook/daas-auth', 'Node/node', 'RBAC/rbac']);
  const kubeconfig = readFileSync(config.authorizers[0].webhook.connectionInfo.kubeConfigFile, 'utf8');
  expect(addressesIn(kubeconfig)).toEqual(['127.0.0.1']);
  expect(JSON.parse(kubeconfig).users[0].user).toEqual({ 'client-certificate': '/pki/c.crt', 'client-key': '/pki/c.key' });
});
