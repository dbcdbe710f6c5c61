/**
 * The `daas-auth sim` command family as a user runs it: the sim in the foreground with its banner
 * and network.json, `sim fund` and `sim advance-epoch` against it (found through DAAS_SIM_STATE),
 * one-line errors, and a clean stop on SIGTERM.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { simClient, type NetworkInfo } from '../../src/sim/index.ts';

jest.setTimeout(60_000);

const CLI = join(import.meta.dirname, '../../bin/daas-auth.js');
const dir = mkdtempSync(join(tmpdir(), 'sui-sim-cli-'));
const run = promisify(execFile);
let sim: ChildProcessWithoutNullStreams;
let banner = '';

function cli(...args: string[]) {
  return run(process.execPath, [CLI, ...args], { env: { ...process.env, DAAS_SIM_STATE: dir, DAAS_NETWORK: '' } });
}

beforeAll(async () => {
  sim = spawn(process.execPath, [CLI, 'sim', '--port', '0', '--admin-port', '0', '--state', dir]);
  await new Promise<void>((resolve, reject) => {
    sim.stdout.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      if (banner.includes('Ctrl-C stops it.')) resolve();
    });
    sim.on('exit', (code) => reject(new Error(`sim exited early (${code})`)));
  });
});

afterAll(() => {
  if (sim.exitCode === null) sim.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('`daas-auth sim` says it is a development tool, prints the ids and writes network.json', () => {
  const network = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as NetworkInfo;
  expect(banner).toMatch(/DEVELOPMENT AND TESTS/);
  for (const id of [network.packageId, network.poolId, network.adminCapId, network.rpcUrl]) expect(banner).toContain(id);
  expect(banner).not.toContain(network.adminKey);
});

test('`sim fund` sends SUI to an address and `sim advance-epoch` moves the epoch', async () => {
  const network = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as NetworkInfo;
  const address = `0x${'c4'.repeat(32)}`;
  const funded = await cli('sim', 'fund', address, '--sui', '2.5');
  const coinId = funded.stdout.trim();
  const client = simClient(network.rpcUrl);
  const { object } = await client.core.getObject({ objectId: coinId });
  expect(object.owner).toEqual({ $kind: 'AddressOwner', AddressOwner: address });
  expect((await client.core.getBalance({ owner: address })).balance.balance).toBe((25n * MIST_PER_SUI / 10n).toString());

  const advanced = await cli('--output', 'json', 'sim', 'advance-epoch', '--count', '3');
  expect(JSON.parse(advanced.stdout)).toEqual({ epoch: '3' });
  expect((await client.core.getCurrentSystemState()).systemState.epoch).toBe('3');
});

test('bad input is one line on stderr and a non-zero exit', async () => {
  await expect(cli('sim', 'fund', 'not-an-address')).rejects.toMatchObject({
    code: 1,
    stderr: 'daas-auth: "not-an-address" is not a Sui address (0x followed by up to 64 hex digits)\n',
  });
  await expect(cli('sim', 'advance-epoch', '--count', '0')).rejects.toMatchObject({ code: 1 });
  await expect(cli('sim', 'fund', `0x${'c4'.repeat(32)}`, '--admin-url', 'http://127.0.0.1:1')).rejects.toMatchObject({ code: 2 });
});

test('SIGTERM stops the sim cleanly', async () => {
  const exited = new Promise<number | null>((resolve) => sim.on('exit', (code) => resolve(code)));
  sim.kill('SIGTERM');
  expect(await exited).toBe(0);
});
