/**
 * The pure parts of the command line: where the sim is found, the Sui CLI's client.yaml, the kubeconfig
 * merge, amounts, and the wording of chain refusals.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainTxError } from '../../../src/chain/errors.ts';
import { amountFields, parseSuiFlag } from '../../../src/cli/amounts.ts';
import { explainChainError, type ChainFacts } from '../../../src/cli/chain-errors.ts';
import { findSimStateDir } from '../../../src/cli/globals.ts';
import { clusterOfContext, MergeConflict, mergeKubeconfig, type MergeRequest } from '../../../src/cli/kubeconfig-merge.ts';
import { parseSuiClientYaml, suiClientDefaults } from '../../../src/cli/sui-client-config.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'daas-cli-parts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findSimStateDir', () => {
  it('finds .daas/sim in this directory or a parent, else names ./.daas/sim', () => {
    const root = join(dir, 'repo');
    mkdirSync(join(root, '.daas', 'sim'), { recursive: true });
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    expect(findSimStateDir(join(root, 'a', 'b'))).toBe(join(root, 'a', 'b', '.daas', 'sim')); // no network.json yet
    writeFileSync(join(root, '.daas', 'sim', 'network.json'), '{}');
    expect(findSimStateDir(join(root, 'a', 'b'))).toBe(join(root, '.daas', 'sim'));
    expect(findSimStateDir(root)).toBe(join(root, '.daas', 'sim'));
  });
});

describe("the Sui CLI's client.yaml", () => {
  const yaml = (active: string) => `---\nkeystore:\n  File: /home/me/.sui/sui_config/sui.keystore\nenvs:\n  - alias: localnet\n    rpc: "http://127.0.0.1:9000"\nactive_env: localnet\nactive_address: ${active}\n`;

  it('gives the keystore and the active address', () => {
    expect(parseSuiClientYaml(yaml('"0xabc"'))).toEqual({ keystore: '/home/me/.sui/sui_config/sui.keystore', activeAddress: '0xabc' });
    expect(parseSuiClientYaml(yaml('~'))).toEqual({ keystore: '/home/me/.sui/sui_config/sui.keystore' });
    expect(parseSuiClientYaml('active_address: 0x1\n')).toBeUndefined();
  });

  it('is read from SUI_CONFIG_DIR, its keystore path relative to it', () => {
    const config = join(dir, 'sui_config');
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, 'client.yaml'), 'keystore:\n  File: sui.keystore\nactive_address: 0x2\n');
    expect(suiClientDefaults({ SUI_CONFIG_DIR: config })).toEqual({ file: join(config, 'client.yaml'), keystore: join(config, 'sui.keystore'), activeAddress: '0x2' });
    expect(suiClientDefaults({ SUI_CONFIG_DIR: join(dir, 'none') })).toBeUndefined();
  });
});

describe('mergeKubeconfig', () => {
  const request = (over: Partial<MergeRequest> = {}): MergeRequest => ({
    user: { name: 'daas-c1', exec: { command: '/usr/local/bin/daas-auth', args: ['token', '--exec-credential'] } },
    cluster: { name: 'daas-c1', server: 'https://k8s:6443', certificateAuthority: '/ca.crt' },
    context: { name: 'daas-c1', cluster: 'daas-c1' },
    setCurrent: false,
    force: false,
    ...over,
  });
  const existing = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'prod', cluster: { server: 'https://prod:6443' } }],
    users: [{ name: 'admin', user: { token: 'x' } }],
    contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'admin' } }],
    'current-context': 'prod',
  };

  it('adds user, cluster and context beside what is there, and keeps the current context unless asked', () => {
    const merged = mergeKubeconfig(existing, request());
    expect(merged.users?.map((u) => u.name)).toEqual(['admin', 'daas-c1']);
    expect(merged.users?.[1]).toEqual({
      name: 'daas-c1',
      user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/usr/local/bin/daas-auth', args: ['token', '--exec-credential'], interactiveMode: 'Never', provideClusterInfo: false } },
    });
    expect(merged.clusters?.[1]).toEqual({ name: 'daas-c1', cluster: { server: 'https://k8s:6443', 'certificate-authority': '/ca.crt' } });
    expect(merged['current-context']).toBe('prod');
    expect(mergeKubeconfig(existing, request({ setCurrent: true }))['current-context']).toBe('daas-c1');
    expect(mergeKubeconfig({}, request())['current-context']).toBe('daas-c1');
  });

  it('reuses the cluster of the current (or a named) context', () => {
    expect(clusterOfContext(existing, undefined)).toBe('prod');
    const merged = mergeKubeconfig(existing, request({ cluster: undefined, context: { name: 'daas-c1', cluster: 'prod' } }));
    expect(merged.contexts?.[1]).toEqual({ name: 'daas-c1', context: { cluster: 'prod', user: 'daas-c1' } });
    expect(() => clusterOfContext(existing, 'nope')).toThrow(MergeConflict);
    expect(() => clusterOfContext({}, undefined)).toThrow(/no current context/);
  });

  it('refuses to replace a different entry without force; the same entry again is fine', () => {
    const once = mergeKubeconfig(existing, request());
    expect(mergeKubeconfig(once, request())).toEqual(once);
    const other = request({ cluster: { name: 'daas-c1', server: 'https://elsewhere:6443' } });
    expect(() => mergeKubeconfig(once, other)).toThrow('already has a different cluster named daas-c1: pass --force');
    expect(mergeKubeconfig(once, { ...other, force: true }).clusters?.find((c) => c.name === 'daas-c1')).toEqual({ name: 'daas-c1', cluster: { server: 'https://elsewhere:6443' } });
  });
});

describe('amounts', () => {
  it('parses --sui strictly and prints MIST beside SUI', () => {
    expect(parseSuiFlag('1.5')).toBe(1_500_000_000n);
    expect(parseSuiFlag('18446744073.709551615')).toBe((1n << 64n) - 1n);
    expect(() => parseSuiFlag('18446744073.709551616')).toThrow(/more than the largest amount/);
    expect(() => parseSuiFlag('-1')).toThrow('--sui -1: the amount must be positive');
    expect(() => parseSuiFlag(undefined)).toThrow('--sui <amount> is required');
    expect(amountFields('slashed', 2_500_000_000n)).toEqual({ slashedMist: '2500000000', slashedSui: '2.5' });
  });
});

describe('explainChainError', () => {
  const facts: ChainFacts = {
    minStakeMist: async (kind) => (kind === 'user' ? 500_000_000n : undefined),
    lock: async () => ({ unlockEpoch: 9n, epoch: 3n }),
    typeName: async (id) => (id === '0xtoken' ? 'SealToken' : id === '0xrecord' ? 'StakeRecord' : undefined),
  };
  const abort = (name: string) => new ChainTxError('moveAbort', `refused by the chain: ${name}`, { abort: name });

  it.each([
    [abort('staking::EBelowMinimum'), { '--sui': '0.1', '--kind': 'user' }, "--sui 0.1 is below the pool's minimum stake for --kind user (0.5 SUI)"],
    [abort('staking::EStillLocked'), { '--stake-record': '0xrecord' }, '--stake-record 0xrecord is still locked: it can be withdrawn from epoch 9 (the current epoch is 3)'],
    [abort('seal::ENotStaker'), { '--stake-record': '0xrecord' }, "--stake-record 0xrecord belongs to another address than your key's"],
    [new ChainTxError('rejected', 'refused by the chain: CommandArgumentError { arg_idx: 1, kind: TypeMismatch } in command 1'), { '--stake-record': '0xtoken', '--sui': '1' }, '--stake-record 0xtoken is a SealToken, not a StakeRecord'],
    [new ChainTxError('rejected', 'refused by the chain: CommandArgumentError { arg_idx: 0, kind: TypeMismatch }'), { '--seal-token': '0xgone' }, '--seal-token 0xgone is no object on this network, not a SealToken'],
    [new ChainTxError('insufficientFunds', 'insufficient funds: no gas'), {}, 'insufficient funds: no gas'],
  ])('%s', async (error, given, line) => {
    expect(await explainChainError(error, given, facts)).toBe(line);
  });
});
