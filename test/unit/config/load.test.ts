import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseDuration } from '../../../src/config/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'daas-config-'));
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const minimalEnv = { DAAS_CLUSTER: 'c1', DAAS_TLS_CERT: '/tls/cert.pem', DAAS_TLS_KEY: '/tls/key.pem', DAAS_CLIENT_CA: '/tls/ca.pem' };

describe('config', () => {
  it('fills defaults from a minimal environment', () => {
    const config = loadConfig({ env: minimalEnv });
    expect(config).toMatchObject({
      network: { name: 'local', timeoutMs: 10_000, eventPollMs: 500 },
      clusters: [{ id: 'c1', apiAudiences: [], clientCommonNames: [] }],
      token: { maxLifetimeSeconds: 900, skewSeconds: 60 },
      cache: { ttlSeconds: 60, maxEntries: 100_000, maxEntriesPerIdentity: 64 },
      server: {
        host: '0.0.0.0',
        port: 8443,
        tlsCertFile: '/tls/cert.pem',
        tlsKeyFile: '/tls/key.pem',
        clientCaFile: '/tls/ca.pem',
        insecureNoClientCert: false,
        maxConnections: 1024,
        maxRequestsPerConnection: 100_000,
        headersTimeout: 10,
        requestTimeout: 30,
        keepAliveTimeout: 65,
        rateLimit: { perSecond: 5000, burst: 10_000 },
      },
      kubernetes: { watchBindings: true },
      log: { level: 'info' },
    });
    expect(config.tiers.map((t) => [t.name, t.minMist])).toEqual([
      ['viewer', 500_000_000n],
      ['developer', 2_000_000_000n],
      ['admin', 5_000_000_000n],
      ['cluster-admin', 10_000_000_000n],
    ]);
  });

  it('layers file < env < flags and resolves file paths against the file', () => {
    const file = write(
      'daas.yaml',
      [
        'clusters: [{id: prod, apiAudiences: ["https://kubernetes.default.svc"]}]',
        'token: {maxLifetime: 10m}',
        'tiers: [{name: member, minSui: "1"}, {name: owner, minSui: 100}]',
        'server: {port: 9443, tlsCertFile: tls/cert.pem, tlsKeyFile: tls/key.pem, clientCaFile: tls/ca.pem}',
        'cache: {ttl: 2m}',
      ].join('\n'),
    );
    const config = loadConfig({ file, env: { DAAS_PORT: '7443', DAAS_CACHE_TTL: '30s' }, flags: { server: { port: 6443 } } });
    expect(config.server).toMatchObject({ port: 6443, tlsCertFile: path.join(dir, 'tls/cert.pem') });
    expect(config.cache.ttlSeconds).toBe(30);
    expect(config.token.maxLifetimeSeconds).toBe(600);
    expect(config.clusters).toEqual([{ id: 'prod', apiAudiences: ['https://kubernetes.default.svc'], clientCommonNames: [] }]);
    expect(config.tiers.map((t) => t.name)).toEqual(['member', 'owner']);
  });

  it('reads JSON files and DAAS_TIERS / DAAS_API_AUDIENCES', () => {
    const file = write('daas.json', JSON.stringify({ server: { tlsCertFile: '/c', tlsKeyFile: '/k', insecureNoClientCert: true } }));
    const config = loadConfig({ file, env: { DAAS_CLUSTER: 'a', DAAS_API_AUDIENCES: 'x, y', DAAS_TIERS: 'low=0.5,high=3' } });
    expect(config.clusters).toEqual([{ id: 'a', apiAudiences: ['x', 'y'], clientCommonNames: [] }]);
    expect(config.server.insecureNoClientCert).toBe(true);
    expect(config.tiers.map((t) => t.minMist)).toEqual([500_000_000n, 3_000_000_000n]);
  });

  it.each([
    [{}, /clusters/],
    [{ DAAS_CLUSTER: 'c1' }, /server: required/],
    [{ DAAS_CLUSTER: 'c1', DAAS_TLS_KEY: '/k' }, /server\.tlsCertFile: required \(the webhook needs/],
    [{ ...minimalEnv, DAAS_PORT: 'eighty' }, /DAAS_PORT="eighty" is not a whole number/],
    [{ ...minimalEnv, DAAS_CACHE_TTL: 'soon' }, /cache\.ttl/],
    [{ ...minimalEnv, DAAS_LOG_LEVEL: 'loud' }, /log\.level/],
    [{ ...minimalEnv, DAAS_ZKLOGIN: 'maybe' }, /DAAS_ZKLOGIN/],
    [{ ...minimalEnv, DAAS_ZKLOGIN: 'true' }, /zkLogin signatures are not supported/],
    [{ ...minimalEnv, DAAS_CLIENT_CA: '' }, /server\.clientCaFile is required .* server\.insecureNoClientCert/],
    [{ ...minimalEnv, DAAS_INSECURE_NO_CLIENT_CERT: 'perhaps' }, /DAAS_INSECURE_NO_CLIENT_CERT/],
    // The documented multi-cluster setup shared one API audience: a review from one could pass for the other.
    [{ ...minimalEnv, DAAS_CLUSTER: 'prod-eu-1,prod-us-1', DAAS_API_AUDIENCES: 'https://kubernetes.default.svc' }, /API audience https:\/\/kubernetes\.default\.svc of cluster prod-us-1 also stands for cluster prod-eu-1/],
    [{ ...minimalEnv, DAAS_CLUSTER: 'c1,c1' }, /cluster id c1 is listed twice/],
    [{ ...minimalEnv, DAAS_TIERS: 'System:masters=1' }, /DNS label/],
    [{ ...minimalEnv, DAAS_CLUSTER: 'has space' }, /cluster id/],
  ])('refuses %p with a clear message', (env, message) => {
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(message);
  });

  it('refuses unknown settings and unreadable files, naming them', () => {
    const typo = write('typo.yaml', 'clusters: [{id: c}]\nserver: {tlsCertFile: c, tlsKeyFile: k, prot: 1}\n');
    expect(() => loadConfig({ file: typo, env: {} })).toThrow(/server\.prot: unknown setting/);
    const dup = write('dup.yaml', 'clusters: []\nclusters: []\n');
    expect(() => loadConfig({ file: dup, env: {} })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ file: path.join(dir, 'missing.yaml'), env: {} })).toThrow(/cannot read/);
  });

  it('validates the clusters of a multi-cluster webhook: unique ids, audiences and certificate names', () => {
    const server = { tlsCertFile: '/c', tlsKeyFile: '/k', clientCaFile: '/ca' };
    const load = (clusters: unknown[], extra: Record<string, unknown> = {}) => loadConfig({ env: {}, flags: { clusters, server: { ...server, ...extra } } });
    const ok = load([
      { id: 'prod-eu-1', apiAudiences: ['https://eu.example'], clientCommonNames: ['apiserver-eu'] },
      { id: 'prod-us-1', apiAudiences: ['https://us.example'], clientCommonNames: ['apiserver-us'] },
    ]);
    expect(ok.clusters.map((c) => [c.id, c.clientCommonNames])).toEqual([
      ['prod-eu-1', ['apiserver-eu']],
      ['prod-us-1', ['apiserver-us']],
    ]);
    expect(() => load([{ id: 'a' }, { id: 'b', apiAudiences: ['a'] }])).toThrow(/API audience a of cluster b also stands for cluster a/);
    expect(() => load([{ id: 'a', clientCommonNames: ['apiserver'] }, { id: 'b', clientCommonNames: ['apiserver'] }])).toThrow(/client certificate name apiserver is given for clusters a and b/);
    expect(() => load([{ id: 'a', clientCommonNames: ['x'] }], { clientCaFile: undefined, insecureNoClientCert: true })).toThrow(/cluster a is known by client certificate names, so server\.clientCaFile is needed/);
    expect(() => load([{ id: 'a' }], { rateLimit: { perSecond: -1 } })).toThrow(/server\.rateLimit\.perSecond/);
    expect(() => load([{ id: 'a' }], { maxConnections: 0 })).toThrow(/server\.maxConnections/);
  });

  it('parses durations', () => {
    expect(parseDuration('15m')).toBe(900);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration(45)).toBe(45);
    expect(() => parseDuration('')).toThrow();
    expect(() => parseDuration('1.5m')).toThrow();
    expect(() => parseDuration('15 minutes')).toThrow();
  });
});
