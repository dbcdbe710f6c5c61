/**
 * The stake-lifecycle commands run as child processes (`node bin/daas-auth.js …`, the project's
 * Node 24) against a running sui-sim: output, progress on stderr, one-line errors, exit codes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { ChainReader } from '../../src/chain/reader.ts';
import { MIST_PER_SUI, POOL_DEFAULTS } from '../../src/chain/schema.ts';
import { deadEndpoint, fundedKey, startTestbed, type ChainTestbed } from './chain-helpers.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(REPO, 'node_modules/.bin/node');
const ID = /^0x[0-9a-f]{64}$/;

let bed: ChainTestbed;
let reader: ChainReader;
let alice: Ed25519Keypair;
let bob: Ed25519Keypair;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** stderr without the progress lines. */
  errors: string[];
}

/** Runs the CLI with a clean environment: only what the test gives (no stray DAAS_KEY/DAAS_NETWORK). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      NODE,
      [path.join(REPO, 'bin/daas-auth.js'), ...args],
      { cwd: REPO, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DAAS_SIM_STATE: bed.stateDir, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const errors = stderr.split('\n').filter((line) => line && !line.startsWith('… '));
        resolve({ code, stdout, stderr, errors });
      },
    );
  });
}

const as = (key: Ed25519Keypair | string) => ({ DAAS_KEY: typeof key === 'string' ? key : key.getSecretKey() });

function ok(run: Run): string {
  if (run.code !== 0) throw new Error(`daas-auth failed (${run.code}): ${run.stderr}`);
  expect(run.errors).toEqual([]);
  return run.stdout;
}

/** A refusal: exit code, nothing on stdout, exactly one error line. */
function refused(run: Run, code = 1): string {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: '' });
  expect(run.errors).toHaveLength(1);
  return run.errors[0]!;
}

async function stake(key: Ed25519Keypair | string, ...args: string[]): Promise<string> {
  const out = ok(await cli(['stake', ...args], as(key)));
  expect(out.trim()).toMatch(ID);
  return out.trim();
}

beforeAll(async () => {
  bed = await startTestbed();
  reader = new ChainReader(bed.net, { epochTtlMs: 0 });
  alice = await fundedKey(bed);
  bob = await fundedKey(bed);
});

afterAll(async () => {
  reader?.close();
  await bed?.stop();
});

test('stake prints the StakeRecord id, shows progress on stderr, and the record reads back', async () => {
  const run = await cli(['stake', '--sui', '2', '--kind', 'node', '--node', 'worker-a'], as(alice));
  const recordId = ok(run).trim();
  expect(recordId).toMatch(ID);
  expect(run.stderr).toContain('… stake: submitting the transaction\n');
  expect(run.stderr).toMatch(/… stake: confirmed \(\w+\)/);

  const shown = JSON.parse(ok(await cli(['--output', 'json', 'stake', 'show', '--stake-record', recordId], as(alice))));
  const epoch = await reader.getEpoch();
  expect(shown).toEqual({
    id: recordId,
    poolId: bed.net.poolId,
    staker: alice.toSuiAddress(),
    nodeId: 'worker-a',
    amountMist: '2000000000',
    amountSui: '2',
    kind: 'node',
    status: 'active',
    stakedEpoch: epoch.toString(),
    unlockEpoch: (epoch + POOL_DEFAULTS.lockupEpochs[0]).toString(),
    slashedMist: '0',
    slashedSui: '0',
    version: expect.stringMatching(/^\d+$/),
  });
  expect(ok(await cli(['stake', 'show', '--stake-record', recordId]))).toContain('amountSui: 2\n');
});

test('stake --output json prints one JSON object', async () => {
  const out = JSON.parse(ok(await cli(['--output', 'json', 'stake', '--sui', '0.5', '--kind', 'user'], as(bob))));
  expect(out).toMatchObject({ kind: 'user', amountMist: '500000000', amountSui: '0.5', stakeRecord: expect.stringMatching(ID) });
});

test('seal-token create prints the token id alone (its expiry epoch on stderr); show reports it unexpired', async () => {
  const recordId = await stake(alice, '--sui', '1', '--kind', 'node', '--node', 'worker-b');
  const epoch = await reader.getEpoch();
  const run = await cli(['seal-token', 'create', '--stake-record', recordId], as(alice));
  expect(run.code).toBe(0);
  const [, tokenId] = /^(0x[0-9a-f]{64})\n$/.exec(run.stdout) ?? [];
  const [, expires] = new RegExp(`^daas-auth: SealToken ${tokenId} expires at epoch (\\d+)$`, 'm').exec(run.stderr) ?? [];
  expect(BigInt(expires!)).toBe(epoch + 100n);
  expect(await reader.getSealToken(tokenId!)).toMatchObject({ objectOwner: alice.toSuiAddress(), stakeRecord: recordId });
  const shown = JSON.parse(ok(await cli(['--output', 'json', 'seal-token', 'show', '--seal-token', tokenId!])));
  expect(shown).toMatchObject({ id: tokenId, owner: alice.toSuiAddress(), expiresEpoch: expires, expired: false });
});

test('seal-token revoke deletes the token; others are refused', async () => {
  const recordId = await stake(alice, '--sui', '1', '--kind', 'user');
  const created = JSON.parse(ok(await cli(['--output', 'json', 'seal-token', 'create', '--stake-record', recordId], as(alice))));
  expect(refused(await cli(['seal-token', 'revoke', '--seal-token', created.sealToken], as(bob)))).toMatch(
    /^daas-auth: wrong owner: Object 0x[0-9a-f]{64} is owned by/,
  );
  expect(ok(await cli(['seal-token', 'revoke', '--seal-token', created.sealToken], as(alice)))).toBe(`revoked ${created.sealToken}\n`);
  expect(refused(await cli(['seal-token', 'show', '--seal-token', created.sealToken]))).toBe(
    `daas-auth: --seal-token ${created.sealToken} is not a SealToken of the daas package on local`,
  );
});

test('a stake below the minimum is refused naming the flag, the amount and the minimum', async () => {
  expect(refused(await cli(['stake', '--sui', '0.1', '--kind', 'user'], as(alice)))).toBe(
    "daas-auth: --sui 0.1 is below the pool's minimum stake for --kind user (0.5 SUI)",
  );
});

test('an object of the wrong type is named with its flag', async () => {
  const recordId = await stake(alice, '--sui', '1', '--kind', 'user');
  const created = JSON.parse(ok(await cli(['--output', 'json', 'seal-token', 'create', '--stake-record', recordId], as(alice))));
  expect(refused(await cli(['top-up', '--stake-record', created.sealToken, '--sui', '1'], as(alice)))).toBe(
    `daas-auth: --stake-record ${created.sealToken} is a SealToken, not a StakeRecord`,
  );
  expect(refused(await cli(['seal-token', 'revoke', '--seal-token', recordId], as(alice)))).toBe(
    `daas-auth: --seal-token ${recordId} is a StakeRecord, not a SealToken`,
  );
});

test('slash: refused for a non-holder of the AdminCap, done by the holder', async () => {
  const recordId = await stake(alice, '--sui', '2', '--kind', 'node', '--node', 'worker-c');
  expect(refused(await cli(['slash', '--stake-record', recordId], as(bob)))).toMatch(
    new RegExp(`^daas-auth: wrong owner: Object ${bed.net.adminCapId} is owned by`),
  );
  const out = ok(await cli(['slash', '--stake-record', recordId, '--reason', 'offline'], as(bed.adminKey)));
  expect(out).toBe(`slashed 1 SUI from ${recordId}; 1 SUI remain\n`);
  expect((await reader.getStakeRecord(recordId))?.status).toBe('slashed');
  expect(refused(await cli(['seal-token', 'create', '--stake-record', recordId], as(alice)))).toBe(
    `daas-auth: --stake-record ${recordId} is not active (see daas-auth stake show --stake-record ${recordId})`,
  );
});

test('withdraw-treasury: refused for a non-holder of the AdminCap and beyond the treasury; pays slashed SUI to --to', async () => {
  const recordId = await stake(alice, '--sui', '2', '--kind', 'node', '--node', 'worker-t');
  ok(await cli(['slash', '--stake-record', recordId], as(bed.adminKey)));
  const pool = await reader.getPool();
  expect(refused(await cli(['withdraw-treasury', '--sui', '1'], as(bob)))).toMatch(
    new RegExp(`^daas-auth: wrong owner: Object ${bed.net.adminCapId} is owned by`),
  );
  expect(refused(await cli(['withdraw-treasury', '--sui', '100000'], as(bed.adminKey)))).toBe(
    'daas-auth: refused by the chain: staking::EInsufficientTreasury in staking::withdraw_treasury',
  );
  expect(refused(await cli(['withdraw-treasury', '--sui', '1', '--to', 'bob'], as(bed.adminKey)))).toBe(
    'daas-auth: --to bob is not a Sui address (0x + 64 hex digits)',
  );
  const out = JSON.parse(ok(await cli(['--output', 'json', 'withdraw-treasury', '--sui', '1', '--to', bob.toSuiAddress()], as(bed.adminKey))));
  expect(out).toMatchObject({ recipient: bob.toSuiAddress(), amountMist: MIST_PER_SUI.toString() });
  expect(BigInt(out.remainingMist)).toBe(pool.treasury - MIST_PER_SUI);
});

test('unstake, withdraw refused while locked, withdrawn after the lock-up', async () => {
  const recordId = await stake(bob, '--sui', '1', '--kind', 'user');
  const unstaked = JSON.parse(ok(await cli(['--output', 'json', 'unstake', '--stake-record', recordId], as(bob))));
  expect(refused(await cli(['withdraw', '--stake-record', recordId], as(bob)))).toBe(
    `daas-auth: --stake-record ${recordId} is still locked: it can be withdrawn from epoch ${unstaked.unlockEpoch} (the current epoch is ${await reader.getEpoch()})`,
  );
  await bed.admin.advanceEpoch(Number(BigInt(unstaked.unlockEpoch) - (await reader.getEpoch())));
  expect(ok(await cli(['withdraw', '--stake-record', recordId], as(bob)))).toBe(`withdrew 1 SUI from ${recordId}\n`);
});

test('top-up adds to the stake; seal token from someone else’s record is refused', async () => {
  const recordId = await stake(alice, '--sui', '1', '--kind', 'user');
  expect(ok(await cli(['top-up', '--stake-record', recordId, '--sui', '1.5'], as(alice)))).toBe(`${recordId} now holds 2.5 SUI\n`);
  expect(refused(await cli(['seal-token', 'create', '--stake-record', recordId], as(bob)))).toBe(
    `daas-auth: --stake-record ${recordId} belongs to another address than your key's`,
  );
});

test('insufficient funds and unknown objects are named', async () => {
  const poor = Ed25519Keypair.generate();
  expect(refused(await cli(['stake', '--sui', '1', '--kind', 'user'], as(poor)))).toMatch(/^daas-auth: insufficient funds: /);
  const ghost = `0x${'7'.repeat(64)}`;
  expect(refused(await cli(['unstake', '--stake-record', ghost], as(alice)))).toMatch(/^daas-auth: unknown object: .*7{64}/);
});

test('keys from a Sui keystore file, chosen by --address', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'daas-cli-keys-'));
  const keystore = path.join(dir, 'sui.keystore');
  const entry = (k: Ed25519Keypair) => Buffer.from([0, ...decodeSuiPrivateKey(k.getSecretKey()).secretKey]).toString('base64');
  writeFileSync(keystore, JSON.stringify([entry(alice), entry(bob)]));
  expect(refused(await cli(['--keystore', keystore, 'stake', '--sui', '1', '--kind', 'user']))).toMatch(
    /holds 2 keys; choose one with --address/,
  );
  const recordId = ok(await cli(['--keystore', keystore, '--address', bob.toSuiAddress(), 'stake', '--sui', '1', '--kind', 'user'])).trim();
  expect((await reader.getStakeRecord(recordId))?.staker).toBe(bob.toSuiAddress());
  expect(refused(await cli(['--keystore', keystore, 'stake', '--sui', '1', '--kind', 'user'], as(alice)))).toMatch(/choose one/);
  expect(refused(await cli(['--keystore', keystore, '--key', alice.getSecretKey(), 'stake', '--sui', '1', '--kind', 'user']))).toBe(
    'daas-auth: both --key and --keystore given: use one of them',
  );
});

test('bad input: one clear line each, never the key', async () => {
  const secret = alice.getSecretKey();
  expect(refused(await cli(['stake', '--sui', '1', '--kind', 'user']))).toMatch(/^daas-auth: no key: pass --key/);
  expect(refused(await cli(['stake', '--sui', 'lots', '--kind', 'user'], as(alice)))).toMatch(/^daas-auth: --sui: "lots" is not an amount/);
  expect(refused(await cli(['stake', '--sui', '1', '--kind', 'node'], as(alice)))).toBe(
    'daas-auth: --node NAME is required for --kind node',
  );
  expect(refused(await cli(['stake', '--sui', '1', '--kind', 'boss'], as(alice)))).toBe('daas-auth: --kind must be node, user or admin, not boss');
  expect(refused(await cli(['unstake', '--stake-record', 'abc'], as(alice)))).toBe('daas-auth: --stake-record abc is not an object id (0x + up to 64 hex digits)');
  const badKey = refused(await cli(['stake', '--sui', '1', '--kind', 'user'], { DAAS_KEY: `${secret}zz` }));
  expect(badKey).toBe('daas-auth: DAAS_KEY is not a valid suiprivkey1… private key');
  expect(refused(await cli(['--output', 'yaml', 'stake', 'show', '--stake-record', '0x1']))).toBe(
    "daas-auth: option '--output <format>' argument 'yaml' is invalid. Allowed choices are text, json. (add --help for usage)",
  );
});

test('networks: testnet without published ids, and an unreachable node (exit 2)', async () => {
  expect(refused(await cli(['--network', 'testnet', 'stake', 'show', '--stake-record', '0x1']))).toMatch(
    /^daas-auth: the daas package is not published on testnet yet/,
  );
  const dead = await deadEndpoint();
  const run = await cli(['--network', dead, 'stake', 'show', '--stake-record', '0x1'], {
    DAAS_PACKAGE_ID: bed.net.packageId,
    DAAS_POOL_ID: bed.net.poolId,
  });
  expect(refused(run, 2)).toMatch(/^daas-auth: Sui network unreachable: no Sui endpoint answered getObjects/);
});

test('the sim URL as --network finds the ids in the local network.json', async () => {
  const recordId = await stake(alice, '--sui', '1', '--kind', 'user');
  const shown = JSON.parse(ok(await cli(['--network', bed.net.endpoints[0]!, '--output', 'json', 'stake', 'show', '--stake-record', recordId])));
  expect(shown.id).toBe(recordId);
  expect(BigInt(shown.amountMist)).toBe(MIST_PER_SUI);
});
