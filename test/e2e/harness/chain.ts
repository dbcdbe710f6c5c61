// The run's sui-sim for tests: its admin API (faucet, epochs), funded keys, and the NetworkConfig src/chain
// resolves for it.
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { resolveNetwork, type NetworkConfig } from '../../../src/chain/network.ts';
import { MIST_PER_SUI } from '../../../src/chain/schema.ts';
import { SimAdminClient } from '../../../src/sim/index.ts';
import { e2eEnv } from './env.ts';

export function simAdmin(): SimAdminClient {
  return new SimAdminClient(e2eEnv().sim.adminUrl);
}

/** `--network local` pointed at the run's sim (its state directory), ignoring the caller's environment. */
export function localNetwork(): NetworkConfig {
  return resolveNetwork('local', { stateDir: e2eEnv().sim.stateDir, env: {} });
}

/** A new key holding `sui` SUI from the sim's faucet. */
export async function fundedKey(sui = 50n): Promise<Ed25519Keypair> {
  const key = Ed25519Keypair.generate();
  await simAdmin().fund(key.toSuiAddress(), sui * MIST_PER_SUI);
  return key;
}
