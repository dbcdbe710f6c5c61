/**
 * Failover never lets a lagging full node undo a slash (issue 9, item 19). Two sui-sims of one
 * chain: the lagging one started from a copy of the other's `--state` taken before the slash, so it
 * still shows the stake active at a lower checkpoint height; a third sim is another chain. Both
 * send the `x-sui-chain-id` / `x-sui-checkpoint-height` response headers a full node sends.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import type { CallResult } from '../../src/chain/client.ts';
import { ChainUnavailableError } from '../../src/chain/errors.ts';
import { resolveNetwork, type NetworkConfig } from '../../src/chain/network.ts';
import { ChainReader } from '../../src/chain/reader.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { ChainWriter } from '../../src/chain/writer.ts';
import { SimAdminClient } from '../../src/sim/admin-client.ts';
import { startSim, type SimHandle } from '../../src/sim/index.ts';

jest.setTimeout(60_000);

const dirs: string[] = [];
const sims: SimHandle[] = [];
let current: SimHandle; // the up-to-date node
let lagging: SimHandle; // a copy of it from before the slash
let foreign: SimHandle; // another chain
let net: NetworkConfig;
let recordId: string;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'daas-lag-'));
  dirs.push(dir);
  return dir;
}

async function sim(stateDir?: string): Promise<SimHandle> {
  const started = await startSim({ port: 0, quiet: true, ...(stateDir ? { stateDir } : {}) });
  sims.push(started);
  return started;
}

beforeAll(async () => {
  const currentDir = tempDir();
  current = await sim(currentDir);
  net = resolveNetwork('local', { stateDir: currentDir, env: {} });
  const staker = Ed25519Keypair.generate();
  await new SimAdminClient(current.adminUrl).fund(staker.toSuiAddress(), 10n * MIST_PER_SUI);
  const asStaker = new ChainWriter(net, staker);
  try {
    recordId = (await asStaker.stake({ mist: MIST_PER_SUI, kind: 'user' })).recordId;
  } finally {
    asStaker.close();
  }

  // The lagging node's state: the chain as it was before the slash.
  const laggingDir = tempDir();
  cpSync(currentDir, laggingDir, { recursive: true });

  const admin = new ChainWriter(net, Ed25519Keypair.fromSecretKey(decodeSuiPrivateKey(current.network.adminKey).secretKey));
  try {
    await admin.slash(recordId, 'misbehaved');
  } finally {
    admin.close();
  }
  lagging = await sim(laggingDir);
  foreign = await sim();
});

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop().catch(() => {})));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function reader(endpoints: string[], attempts: Array<[string, string, CallResult]> = []): ChainReader {
  return new ChainReader({ ...net, endpoints }, { timeoutMs: 5_000, onCall: (method, endpoint, result) => attempts.push([method, endpoint, result]) });
}

test('the lagging sim really is behind: alone, it still shows the slashed stake as active', async () => {
  // What a client without the checkpoint check would act on after failing over.
  const stale = reader([lagging.rpcUrl]);
  try {
    expect((await stale.getStakeRecord(recordId))?.status).toBe('active');
  } finally {
    stale.close();
  }
});

test('after the up-to-date node goes down, the lagging one is refused: unavailable, never the pre-slash record', async () => {
  const attempts: Array<[string, string, CallResult]> = [];
  const r = reader([current.rpcUrl, lagging.rpcUrl], attempts);
  try {
    expect((await r.getStakeRecord(recordId))?.status).toBe('slashed');
    expect(r.client.watermark.chainId).toBe(net.chainId);
    expect(r.client.watermark.checkpointHeight).toBeGreaterThan(0n);

    await current.stop();
    const error = await r.getStakeRecord(recordId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainUnavailableError);
    expect((error as Error).message).toMatch(/endpoint #1: the endpoint is at checkpoint \d+, behind checkpoint \d+ already acted on/);
    expect(attempts.slice(-3)).toEqual([
      ['getObjects', '#0', 'unavailable'],
      ['getObjects', '#1', 'lagging'],
      ['getObjects', '#1', 'lagging'], // asked again (in case it was only out of order): still behind
    ]);
    // No URL in what is reported.
    expect((error as Error).message).not.toMatch(/127\.0\.0\.1|http/);
  } finally {
    r.close();
  }
});

test('an endpoint of another chain is refused before its answer is used', async () => {
  const attempts: Array<[string, string, CallResult]> = [];
  const r = reader([foreign.rpcUrl, lagging.rpcUrl], attempts);
  try {
    // The foreign chain has no such record; its "absent" must not count as an answer.
    expect((await r.getStakeRecord(recordId))?.status).toBe('active');
    expect(attempts[0]).toEqual(['getObjects', '#0', 'wrong_chain']);
    expect(attempts[1]).toEqual(['getObjects', '#1', 'ok']);
  } finally {
    r.close();
  }
});
