/**
 * Batching, coalescing and failover of ChainReader against a running sui-sim, counted at the sim.
 */
import type { Keypair } from '@mysten/sui/cryptography';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import type { CallResult } from '../../src/chain/client.ts';
import { ChainUnavailableError } from '../../src/chain/errors.ts';
import { ChainReader, OBJECTS_PER_CALL } from '../../src/chain/reader.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { ChainWriter } from '../../src/chain/writer.ts';
import { deadEndpoint, fundedKey, startTestbed, type ChainTestbed } from './chain-helpers.ts';

const BATCH = 'sui.rpc.v2.LedgerService/BatchGetObjects';

let bed: ChainTestbed;
let staker: Keypair;
const records: string[] = [];

beforeAll(async () => {
  bed = await startTestbed();
  staker = await fundedKey(bed);
  const writer = new ChainWriter(bed.net, staker);
  try {
    for (let i = 0; i < 3; i++) records.push((await writer.stake({ mist: MIST_PER_SUI, kind: 'user' })).recordId);
  } finally {
    writer.close();
  }
});

afterAll(async () => {
  await bed?.stop();
});

async function batchCalls(): Promise<number[]> {
  return (await bed.admin.stats()).objectIdsPerCall[BATCH] ?? [];
}

test('200 object ids are read in 2 calls of at most 100 ids, counted at the sim', async () => {
  const reader = new ChainReader(bed.net);
  try {
    const ghosts = Array.from({ length: 197 }, (_, i) => normalizeSuiAddress(`0x${(0xf00000 + i).toString(16)}`));
    const ids = [...records, ...ghosts];
    await bed.admin.resetStats();
    const result = await reader.getStakeRecords(ids);
    const calls = await batchCalls();
    expect(calls.length).toBe(2);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(200);
    expect(calls.every((n) => n <= OBJECTS_PER_CALL)).toBe(true);
    expect(records.map((id) => result.get(id)?.staker)).toEqual(records.map(() => staker.toSuiAddress()));
    expect(ghosts.every((id) => result.get(id) === null)).toBe(true);
  } finally {
    reader.close();
  }
});

test('concurrent single reads, one id asked many times, go out as one call', async () => {
  const reader = new ChainReader(bed.net);
  try {
    await bed.admin.resetStats();
    const reads = [...records, records[0]!, records[0]!, records[1]!].map((id) => reader.getStakeRecord(id));
    const views = await Promise.all(reads);
    expect(views.map((v) => v?.id)).toEqual([...records, records[0], records[0], records[1]]);
    expect(await batchCalls()).toEqual([3]);
  } finally {
    reader.close();
  }
});

test('fails over from a dead endpoint to the live one, and reports each attempt', async () => {
  const dead = await deadEndpoint();
  const live = bed.net.endpoints[0]!;
  const attempts: Array<[string, string, CallResult]> = [];
  const reader = new ChainReader(
    { ...bed.net, endpoints: [dead, live] },
    { onCall: (method, endpoint, result) => attempts.push([method, endpoint, result]) },
  );
  try {
    expect((await reader.getStakeRecord(records[0]!))?.id).toBe(records[0]);
    expect(await reader.getEpoch()).toBeGreaterThanOrEqual(0n);
    // Endpoints are reported by their position in the configuration, never by URL.
    expect(attempts).toEqual([
      ['getObjects', '#0', 'unavailable'],
      ['getObjects', '#1', 'ok'],
      ['getEpoch', '#1', 'ok'],
    ]);
    expect(reader.client.currentEndpoint).toBe(live);
  } finally {
    reader.close();
  }
});

test('with every endpoint dead the reader throws ChainUnavailableError, not null', async () => {
  const reader = new ChainReader({ ...bed.net, endpoints: [await deadEndpoint(), await deadEndpoint()] }, { timeoutMs: 2000 });
  try {
    const error = await reader.getStakeRecord(records[0]!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainUnavailableError);
    // The message names the endpoints by label and the failure by kind: no address, no URL.
    expect((error as Error).message).toMatch(/^no Sui endpoint answered getObjects acceptably \(endpoint #0: [A-Z_]+; endpoint #1: [A-Z_]+\)$/);
    expect((error as Error).message).not.toMatch(/127\.0\.0\.1|http/);
    await expect(reader.getEpoch()).rejects.toBeInstanceOf(ChainUnavailableError);
  } finally {
    reader.close();
  }
});

test('the writer fails over too: a stake goes through a dead endpoint to the live one, exactly once', async () => {
  const dead = await deadEndpoint();
  const attempts: Array<[string, string, CallResult]> = [];
  const writer = new ChainWriter({ ...bed.net, endpoints: [dead, bed.net.endpoints[0]!] }, staker, {
    onCall: (method, endpoint, result) => attempts.push([method, endpoint, result]),
  });
  try {
    const { recordId } = await writer.stake({ mist: MIST_PER_SUI, kind: 'user' });
    expect((await writer.reader.getStakeRecord(recordId))?.staker).toBe(staker.toSuiAddress());
    expect(attempts[0]).toEqual(['buildTransaction', '#0', 'unavailable']);
    expect(attempts.filter(([m, , r]) => m === 'executeTransaction' && r === 'ok')).toHaveLength(1);
    expect(attempts.filter(([, e]) => e === '#0')).toHaveLength(1);
  } finally {
    writer.close();
  }
});
