/**
 * Shared set-up of the sui-sim wire tests: a sim on loopback (free ports), the unmodified SDK client
 * over native gRPC, funded test accounts, and helpers that run a transaction and name its abort.
 */
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import type { SuiGrpcClient } from '@mysten/sui/grpc';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Transaction } from '@mysten/sui/transactions';
import { abortName, MIST_PER_SUI } from '../../src/chain/schema.ts';
import { SimAdminClient, simClient, startSim, type SimHandle, type SimOptions } from '../../src/sim/index.ts';

export interface TestSim {
  sim: SimHandle;
  client: SuiGrpcClient;
  admin: SimAdminClient;
  publisher: Ed25519Keypair;
  target(module: string, fn: string): string;
}

export async function startTestSim(options: SimOptions = {}): Promise<TestSim> {
  const sim = await startSim({ quiet: true, ...options });
  return {
    sim,
    client: simClient(sim.rpcUrl),
    admin: new SimAdminClient(sim.adminUrl),
    publisher: Ed25519Keypair.fromSecretKey(decodeSuiPrivateKey(sim.network.adminKey).secretKey),
    target: (module, fn) => `${sim.network.packageId}::${module}::${fn}`,
  };
}

/** A new key with `sui` SUI from the faucet. */
export async function fundedAccount(t: TestSim, sui = 100n): Promise<Ed25519Keypair> {
  const keypair = Ed25519Keypair.generate();
  await t.admin.fund(keypair.toSuiAddress(), sui * MIST_PER_SUI);
  return keypair;
}

export const INCLUDE = { effects: true, events: true, objectTypes: true, balanceChanges: true } as const;

/** Builds (server-side resolution), signs and executes; returns the executed transaction (success or failure). */
export async function execute(t: TestSim, signer: Ed25519Keypair, build: (tx: Transaction) => void) {
  const tx = new Transaction();
  build(tx);
  const result = await t.client.core.signAndExecuteTransaction({ transaction: tx, signer, include: INCLUDE });
  return result.$kind === 'Transaction' ? result.Transaction : result.FailedTransaction;
}

/** Like `execute`, but the transaction must succeed. */
export async function executeOk(t: TestSim, signer: Ed25519Keypair, build: (tx: Transaction) => void) {
  const result = await execute(t, signer, build);
  if (!result.status.success) throw new Error(`transaction failed: ${result.status.error?.message}`);
  return result;
}

/** Ids of the objects a transaction created, by type suffix (`staking::StakeRecord`). */
export function created(result: Awaited<ReturnType<typeof execute>>, typeSuffix: string): string[] {
  return result.effects!.changedObjects
    .filter((c) => c.idOperation === 'Created' && result.objectTypes![c.objectId]!.endsWith(typeSuffix))
    .map((c) => c.objectId);
}

/**
 * Runs a transaction that must abort and returns the abort as the CLI names it (`module::EName`) with
 * the function it happened in. The SDK refuses it at build time, from the full node's simulation.
 */
export async function abortOf(t: TestSim, signer: Ed25519Keypair, build: (tx: Transaction) => void) {
  try {
    await execute(t, signer, build);
  } catch (error) {
    const abort = (error as { executionError?: { MoveAbort?: { abortCode: string; location: { module?: string; functionName?: string; package?: string } } } })
      .executionError?.MoveAbort;
    if (!abort) throw error;
    return {
      name: abortName(abort.location.module ?? '', BigInt(abort.abortCode)) ?? `${abort.location.module}:${abort.abortCode}`,
      functionName: abort.location.functionName,
      packageId: abort.location.package,
      message: (error as Error).message,
    };
  }
  throw new Error('the transaction did not abort');
}
