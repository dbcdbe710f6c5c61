/**
 * sui-sim: a local Sui network for development and tests (docs/design.md §7, docs/sim.md). A gRPC server
 * (`sui.rpc.v2`, the SDK's own service definitions) on loopback that the unmodified `@mysten/sui`
 * client builds, signs, executes and reads transactions against; an admin HTTP API beside it
 * (faucet, epochs, stats). `--state DIR` keeps the whole chain across restarts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { MIST_PER_SUI } from '../chain/schema.ts';
import type { RootInput } from '../enclave/attestation/index.ts';
import { adminApp, listen } from './admin.ts';
import type { NetworkInfo } from './admin-types.ts';
import { Faucet } from './faucet.ts';
import { createGenesis } from './genesis.ts';
import { startGrpcServer } from './grpc/server.ts';
import type { Ledger } from './ledger.ts';
import { nitroLoader } from './nitro.ts';
import { SimNode } from './node.ts';
import { openStateStore, type StateStore, writeFileAtomic } from './persist.ts';
import { SimStats } from './stats.ts';

export { SimAdminClient, SimAdminError } from './admin-client.ts';
export { simClient } from './client.ts';
export { MAX_EPOCH_ADVANCE } from './admin-types.ts';
export type { AdvanceEpochResponse, FundResponse, HealthResponse, NetworkInfo, StatsSnapshot } from './admin-types.ts';

export interface SimOptions {
  /** Interface to bind (default 127.0.0.1: the sim is for this machine only). */
  host?: string;
  /** gRPC port; 0 (default) picks a free one. */
  port?: number;
  /** Admin API port; 0 (default) picks a free one. */
  adminPort?: number;
  /** Directory for `state.db` and `network.json`; without it the chain lives in memory only. */
  stateDir?: string;
  /** No log lines (the CLI prints its own banner). */
  quiet?: boolean;
  /**
   * Extra trust roots for `nitro_attestation` besides the AWS root (e.g. the simulated NSM's root,
   * for local enclave runs). Never set by default.
   */
  nitroExtraRoots?: readonly RootInput[];
}

export interface SimHandle {
  rpcUrl: string;
  adminUrl: string;
  network: NetworkInfo;
  stop(): Promise<void>;
}

/** SUI the publisher (AdminCap holder) gets at genesis. */
export const PUBLISHER_FUNDS = 1_000n * MIST_PER_SUI;

export { STATE_DB } from './persist.ts';
export const NETWORK_FILE = 'network.json';

interface OpenedLedger {
  ledger: Ledger;
  fresh: boolean;
  store?: StateStore;
}

/** The ledger of `stateDir` (or a new genesis), with every later change stored as it is committed. */
function openLedger(options: SimOptions): OpenedLedger {
  const genesis = () => createGenesis(BigInt(Date.now()), nitroLoader(options.nitroExtraRoots));
  if (!options.stateDir) return { ledger: genesis(), fresh: true };
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const { store, ledger: stored } = openStateStore(options.stateDir);
  const ledger = stored ?? genesis();
  if (!stored) store.writeLedger(ledger);
  ledger.onCommit = (change) => store.apply(change);
  return { ledger, fresh: !stored, store };
}

export async function startSim(options: SimOptions = {}): Promise<SimHandle> {
  const host = options.host ?? '127.0.0.1';
  const { ledger, fresh, store } = openLedger(options);

  const stats = new SimStats();
  const node = new SimNode(ledger, nitroLoader(options.nitroExtraRoots));
  const faucet = new Faucet(node);
  const grpc = await startGrpcServer(node, stats, host, options.port ?? 0).catch((error: unknown) => {
    store?.close();
    throw error;
  });
  const published: { network?: NetworkInfo } = {};
  const admin = await listen(
    adminApp(node, stats, faucet, () => published.network!),
    host,
    options.adminPort ?? 0,
  ).catch(async (error: unknown) => {
    await grpc.stop();
    store?.close();
    throw error;
  });

  const urlHost = host.includes(':') ? `[${host}]` : host;
  const g = ledger.genesis;
  const network: NetworkInfo = {
    rpcUrl: `http://${urlHost}:${grpc.port}`,
    adminUrl: `http://${urlHost}:${admin.port}`,
    chainId: g.chainId,
    packageId: g.packageId,
    poolId: g.poolId,
    adminCapId: g.adminCapId,
    enclaveConfigId: g.enclaveConfigId,
    adminKey: g.adminKey,
  };
  published.network = network;
  if (fresh) {
    const publisher = Ed25519Keypair.fromSecretKey(decodeSuiPrivateKey(g.adminKey).secretKey).toSuiAddress();
    await faucet.fund(publisher, PUBLISHER_FUNDS);
  }
  if (options.stateDir) writeFileAtomic(join(options.stateDir, NETWORK_FILE), `${JSON.stringify(network, null, 2)}\n`);
  if (!options.quiet) console.error(`sui-sim (development tool) listening: gRPC ${network.rpcUrl}, admin ${network.adminUrl}`);

  let stopped: Promise<void> | undefined;
  return {
    rpcUrl: network.rpcUrl,
    adminUrl: network.adminUrl,
    network,
    stop: () =>
      (stopped ??= Promise.all([
        grpc.stop(),
        new Promise<void>((resolve) => {
          admin.server.close(() => resolve());
          admin.server.closeAllConnections();
        }),
      ]).then(() => store?.close())),
  };
}
