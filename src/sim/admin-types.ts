/**
 * Wire types of the sim's admin API and of `DIR/network.json`: shared by the server (admin.ts), the
 * typed client (admin-client.ts), the CLI and tests.
 */
import type { PublishedNetwork } from './types.ts';

/** What a running sim is: where to reach it and the ids of the published package's objects. */
export interface NetworkInfo extends PublishedNetwork {
  /** gRPC endpoint (`http://host:port`, plaintext HTTP/2). */
  rpcUrl: string;
  /** Admin HTTP API (faucet, epochs, stats). */
  adminUrl: string;
}

export interface FundRequest {
  address: string;
  /** MIST as a decimal string (or a safe integer); default 100 SUI. */
  mist?: string;
}

export interface FundResponse {
  coinId: string;
  digest: string;
  mist: string;
}

/** Most epochs one advance-epoch request may skip. */
export const MAX_EPOCH_ADVANCE = 10_000;

export interface AdvanceEpochResponse {
  /** The new current epoch. */
  epoch: string;
}

export interface HealthResponse {
  ok: true;
  chainId: string;
  epoch: string;
  checkpoint: string;
}

export type { StatsSnapshot } from './stats.ts';
