/**
 * Shared setup of the chain and CLI end-to-end tests: a real sui-sim on loopback, its admin client,
 * funded keys, and the NetworkConfig src/chain resolves for it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { resolveNetwork, type NetworkConfig } from '../../src/chain/network.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { SimAdminClient } from '../../src/sim/admin-client.ts';
import { startSim } from '../../src/sim/index.ts';

export interface ChainTestbed {
  net: NetworkConfig;
  admin: SimAdminClient;
  adminKey: string;
  /** A directory holding the sim's network.json (for DAAS_SIM_STATE). */
  stateDir: string;
  stop(): Promise<void>;
}

export async function startTestbed(): Promise<ChainTestbed> {
  const sim = await startSim({ port: 0, quiet: true });
  const stateDir = mkdtempSync(path.join(tmpdir(), 'daas-chain-e2e-'));
  writeFileSync(path.join(stateDir, 'network.json'), JSON.stringify(sim.network));
  const net = resolveNetwork('local', { stateDir, env: {} });
  return {
    net,
    admin: new SimAdminClient(sim.network.adminUrl),
    adminKey: sim.network.adminKey,
    stateDir,
    stop: () => sim.stop(),
  };
}

/** A new key holding `sui` SUI from the faucet. */
export async function fundedKey(bed: ChainTestbed, sui = 50n): Promise<Ed25519Keypair> {
  const key = Ed25519Keypair.generate();
  await bed.admin.fund(key.toSuiAddress(), sui * MIST_PER_SUI);
  return key;
}

/** A loopback URL nothing listens on. */
export async function deadEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
