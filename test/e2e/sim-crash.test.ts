/**
 * sui-sim killed with SIGKILL in the middle of a load and restarted from its `--state` directory holds
 * every transaction it had confirmed: the `daas-auth sim` process runs stakes from several keys at
 * once, is killed while they run, and every digest a client got back before the kill is readable,
 * with its effects, from the restarted sim — which then goes on executing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, jest, test } from '@jest/globals';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Transaction } from '@mysten/sui/transactions';
import { freePorts, releasePorts } from '../../hack/lib/ports.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { SimAdminClient, simClient } from '../../src/sim/index.ts';

jest.setTimeout(120_000);

const CLI = new URL('../../bin/daas-auth.js', import.meta.url).pathname;
const STAKERS = 4;
/** Confirmed stakes before the kill: enough that the kill lands while many transactions are in flight. */
const CONFIRMED_BEFORE_KILL = 40;

const stateDir = mkdtempSync(join(tmpdir(), 'sui-sim-crash-'));
const children: ChildProcess[] = [];
let ports: number[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  releasePorts(ports);
  rmSync(stateDir, { recursive: true, force: true });
});

/** `daas-auth sim --state DIR` as its own process, resolved once it printed its banner (it is serving). */
async function startSimProcess(): Promise<{ child: ChildProcess; packageId: string; poolId: string }> {
  const [grpcPort, adminPort] = ports;
  const child = spawn(
    process.execPath,
    [CLI, 'sim', '--state', stateDir, '--port', String(grpcPort), '--admin-port', String(adminPort), '--output', 'json'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout! }), 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`sim exited before serving: ${stderr}`);
    }),
  ])) as [string];
  const network = JSON.parse(line) as { packageId: string; poolId: string };
  return { child, packageId: network.packageId, poolId: network.poolId };
}

test('a sim killed with SIGKILL mid-load keeps every transaction it confirmed', async () => {
  ports = await freePorts(2);
  const first = await startSimProcess();
  const rpcUrl = `http://127.0.0.1:${ports[0]}`;
  const admin = new SimAdminClient(`http://127.0.0.1:${ports[1]}`);
  const keys = Array.from({ length: STAKERS }, () => Ed25519Keypair.generate());
  for (const key of keys) await admin.fund(key.toSuiAddress(), 1_000n * MIST_PER_SUI);

  const confirmed: string[] = [];
  let killed = false;
  const stakeLoop = async (key: Ed25519Keypair) => {
    const client = simClient(rpcUrl);
    while (!killed) {
      const tx = new Transaction();
      const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(MIST_PER_SUI)]);
      tx.moveCall({
        target: `${first.packageId}::staking::stake`,
        arguments: [tx.object(first.poolId), coin!, tx.pure.u8(1), tx.pure.string('')],
      });
      try {
        const result = await client.core.signAndExecuteTransaction({ transaction: tx, signer: key, include: { effects: true } });
        if (result.$kind !== 'Transaction') throw new Error(`stake failed: ${JSON.stringify(result.FailedTransaction?.status)}`);
        confirmed.push(result.Transaction.digest);
        if (confirmed.length >= CONFIRMED_BEFORE_KILL && !killed) {
          killed = true;
          first.child.kill('SIGKILL'); // other keys' transactions are in flight right now
        }
      } catch (error) {
        if (!killed) throw error; // after the kill, failures are expected (the connection is gone)
      }
    }
  };
  await Promise.all(keys.map(stakeLoop));
  await once(first.child, 'exit').catch(() => undefined);
  expect(first.child.signalCode).toBe('SIGKILL');

  const second = await startSimProcess();
  expect(second.packageId).toBe(first.packageId);
  const client = simClient(rpcUrl);
  for (const digest of confirmed) {
    const read = await client.core.getTransaction({ digest, include: { effects: true } });
    expect(read.Transaction?.digest).toBe(digest);
    expect(read.Transaction?.effects?.status.success).toBe(true);
  }
  // The restarted chain goes on: every key can stake again with its (restored) gas coin.
  for (const key of keys) {
    const tx = new Transaction();
    const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(MIST_PER_SUI)]);
    tx.moveCall({ target: `${second.packageId}::staking::stake`, arguments: [tx.object(second.poolId), coin!, tx.pure.u8(1), tx.pure.string('')] });
    const result = await client.core.signAndExecuteTransaction({ transaction: tx, signer: key, include: { effects: true } });
    expect(result.$kind).toBe('Transaction');
  }
  second.child.kill('SIGTERM');
  await once(second.child, 'exit');
});
