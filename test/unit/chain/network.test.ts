import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NetworkConfigError, normalizeEndpoint, parseNetworkJson, resolveNetwork } from '../../../src/chain/network.ts';

const PKG = `0x${'ab'.repeat(32)}`;
const POOL = `0x${'cd'.repeat(32)}`;
const CAP = `0x${'ef'.repeat(32)}`;

function simState(json: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'daas-net-'));
  writeFileSync(path.join(dir, 'network.json'), JSON.stringify(json));
  return dir;
}

const simJson = { rpcUrl: 'http://127.0.0.1:9123', adminUrl: 'http://127.0.0.1:9124', packageId: PKG, poolId: POOL, adminCapId: CAP, chainId: 'sim', adminKey: 'suiprivkey1secret' };

test('local reads network.json from the state dir', () => {
  const net = resolveNetwork('local', { stateDir: simState(simJson), env: {} });
  expect(net).toEqual({
    name: 'local',
    endpoints: ['http://127.0.0.1:9123'],
    packageId: PKG,
    poolId: POOL,
    adminCapId: CAP,
    adminUrl: 'http://127.0.0.1:9124',
    chainId: 'sim',
  });
  expect(JSON.stringify(net)).not.toContain('suiprivkey');
});

test('local is the default and honours DAAS_SIM_STATE', () => {
  const dir = simState(simJson);
  expect(resolveNetwork(undefined, { env: { DAAS_SIM_STATE: dir } }).packageId).toBe(PKG);
});

test('local without a running sim says how to start one', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'daas-none-'));
  expect(() => resolveNetwork('local', { env: {}, cwd: dir })).toThrow(/no local sui-sim found.*daas-auth sim --state/);
});

test('environment ids do not redirect the local sim', () => {
  const net = resolveNetwork('local', { stateDir: simState(simJson), env: { DAAS_PACKAGE_ID: '0x1' } });
  expect(net.packageId).toBe(PKG);
});

test('testnet without published ids is a clear error; with ids from the environment it resolves', () => {
  expect(() => resolveNetwork('testnet', { env: {} })).toThrow(/not published on testnet yet.*DAAS_PACKAGE_ID/);
  const net = resolveNetwork('testnet', { env: { DAAS_PACKAGE_ID: '0xAB', DAAS_POOL_ID: POOL } });
  expect(net).toMatchObject({ name: 'testnet', endpoints: ['https://fullnode.testnet.sui.io'], poolId: POOL });
  expect(net.packageId).toBe(`0x${'0'.repeat(62)}ab`);
});

test('mainnet endpoints can be replaced and ids given by overrides (config file)', () => {
  const net = resolveNetwork('mainnet', {
    env: { DAAS_SUI_ENDPOINTS: 'https://a.example:443, https://b.example' },
    overrides: { packageId: PKG, poolId: POOL },
  });
  expect(net.endpoints).toEqual(['https://a.example', 'https://b.example']);
  expect(net.packageId).toBe(PKG);
});

test('a URL takes its ids from the local sim that serves it', () => {
  const dir = simState(simJson);
  const net = resolveNetwork('http://127.0.0.1:9123/', { stateDir: dir, env: {} });
  expect(net).toMatchObject({ name: 'custom', endpoints: ['http://127.0.0.1:9123'], packageId: PKG, adminCapId: CAP });
});

test('a URL of another node needs ids from the environment', () => {
  const dir = simState(simJson);
  expect(() => resolveNetwork('http://10.0.0.1:9000', { stateDir: dir, env: {} })).toThrow(/package id.*must be configured/);
  const net = resolveNetwork('http://10.0.0.1:9000,http://10.0.0.2:9000', { stateDir: dir, env: { DAAS_PACKAGE_ID: PKG, DAAS_POOL_ID: POOL } });
  expect(net.endpoints).toEqual(['http://10.0.0.1:9000', 'http://10.0.0.2:9000']);
});

test('a path to a network.json', () => {
  const dir = simState(simJson);
  const net = resolveNetwork(path.join(dir, 'network.json'), { env: {} });
  expect(net).toMatchObject({ name: 'custom', poolId: POOL });
});

test('unknown names are refused', () => {
  expect(() => resolveNetwork('devnet-ish', { env: {}, cwd: tmpdir() })).toThrow(NetworkConfigError);
});

test('bad ids in network.json are refused', () => {
  const dir = simState({ ...simJson, poolId: 'pool' });
  expect(() => resolveNetwork('local', { stateDir: dir, env: {} })).toThrow(/pool id "pool" is not a Sui object id/);
});

test('parseNetworkJson is strict about required fields and types', () => {
  expect(() => parseNetworkJson('nope', 'f')).toThrow(/not valid JSON/);
  expect(() => parseNetworkJson('[]', 'f')).toThrow(/JSON object/);
  expect(() => parseNetworkJson(JSON.stringify({ rpcUrl: 'http://x', packageId: PKG }), 'f')).toThrow(/lacks "poolId"/);
  expect(() => parseNetworkJson(JSON.stringify({ ...simJson, adminUrl: 5 }), 'f')).toThrow(/adminUrl/);
});

test('normalizeEndpoint accepts scheme://host[:port] only', () => {
  expect(normalizeEndpoint('https://fullnode.testnet.sui.io:443/')).toBe('https://fullnode.testnet.sui.io');
  expect(() => normalizeEndpoint('ftp://x')).toThrow(/http/);
  expect(() => normalizeEndpoint('http://x/path')).toThrow(/scheme:\/\/host/);
  expect(() => normalizeEndpoint('http://user:pw@x')).toThrow();
  expect(() => normalizeEndpoint('not a url')).toThrow(/not a URL/);
});

test('a directory with the name of a network.json is not a file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'daas-dir-'));
  mkdirSync(path.join(dir, 'network.json'));
  expect(() => resolveNetwork(path.join(dir, 'network.json'), { env: {} })).toThrow(/unknown network/);
});
