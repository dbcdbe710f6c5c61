import { ChainClient, type CallResult } from '../../../src/chain/client.ts';
import { ChainUnavailableError } from '../../../src/chain/errors.ts';
import type { NetworkConfig } from '../../../src/chain/network.ts';
import { ChainReader, MAX_OBJECTS_PER_CALL, OBJECTS_PER_CALL } from '../../../src/chain/reader.ts';
import { FakeNode } from './fake-node.ts';
import { ALICE, OTHER_PKG, PKG, POOL, id, sealTokenBytes, stakeRecordBytes } from './fixtures.ts';

const net: NetworkConfig = { name: 'fake', endpoints: ['http://fake.invalid:1'], packageId: PKG, poolId: POOL };

function setup(opts: { epochTtlMs?: number } = {}) {
  const node = new FakeNode();
  const calls: Array<[string, string, CallResult]> = [];
  const client = new ChainClient(net.endpoints, {
    connect: (url) => node.endpoint(url),
    onCall: (method, endpoint, result) => calls.push([method, endpoint, result]),
  });
  const reader = new ChainReader(net, { client, ...opts });
  return { node, reader, calls };
}

function addRecord(node: FakeNode, n: number) {
  node.objects.set(id(n), { type: `${PKG}::staking::StakeRecord`, content: stakeRecordBytes(id(n)), owner: { kind: 'shared' } });
}

test('250 ids are read in 3 BatchGetObjects calls of at most 100 ids (the SDK would make 5 of 50)', async () => {
  const { node, reader, calls } = setup();
  for (let n = 1; n <= 250; n++) addRecord(node, n);
  const ids = Array.from({ length: 250 }, (_, i) => id(i + 1));
  const records = await reader.getStakeRecords(ids);
  expect([...records.values()].every((r) => r?.staker === ALICE)).toBe(true);
  expect(node.count('BatchGetObjects')).toBe(3);
  expect(calls.filter(([m]) => m === 'getObjects')).toHaveLength(3);
  const sizes = node.calls.map((c) => (c.input as { requests: unknown[] }).requests.length);
  expect(sizes).toEqual([OBJECTS_PER_CALL, OBJECTS_PER_CALL, 50]);
});

test('a read asks only for the fields it decodes, and maxBatch is capped', async () => {
  const { node, reader } = setup();
  addRecord(node, 1);
  await reader.getStakeRecord(id(1));
  expect((node.calls[0]!.input as { readMask?: { paths: string[] } }).readMask?.paths).toEqual(['object_id', 'version', 'owner', 'object_type', 'contents']);
  const big = new ChainReader(net, { client: new ChainClient(net.endpoints, { connect: (url) => node.endpoint(url) }), maxBatch: 5000 });
  for (let n = 2; n <= 1200; n++) addRecord(node, n);
  await big.getStakeRecords(Array.from({ length: 1200 }, (_, i) => id(i + 1)));
  expect(node.calls.slice(1).map((c) => (c.input as { requests: unknown[] }).requests.length)).toEqual([MAX_OBJECTS_PER_CALL, 200]);
});

test('concurrent single reads are batched into one call, and one id asked twice is fetched once', async () => {
  const { node, reader } = setup();
  for (let n = 1; n <= 3; n++) addRecord(node, n);
  const [a, b, again, c] = await Promise.all([
    reader.getStakeRecord(id(1)),
    reader.getStakeRecord(id(2)),
    reader.getStakeRecord(id(1)),
    reader.getStakeRecord(id(3)),
  ]);
  expect([a?.id, b?.id, again?.id, c?.id]).toEqual([id(1), id(2), id(1), id(3)]);
  expect(node.count('BatchGetObjects')).toBe(1);
  const request = node.calls[0]!.input as { requests: Array<{ objectId: string }> };
  expect(request.requests.map((r) => r.objectId)).toEqual([id(1), id(2), id(3)]);
});

test('missing objects, foreign types and non-ids read as null; results are keyed as asked', async () => {
  const { node, reader } = setup();
  addRecord(node, 1);
  node.objects.set(id(2), { type: `${OTHER_PKG}::staking::StakeRecord`, content: stakeRecordBytes(id(2)), owner: { kind: 'shared' } });
  const result = await reader.getStakeRecords(['0x1', id(2), id(3), 'nonsense']);
  expect(result.get('0x1')?.id).toBe(id(1));
  expect(result.get(id(2))).toBeNull();
  expect(result.get(id(3))).toBeNull();
  expect(result.get('nonsense')).toBeNull();
});

test('seal tokens carry their object owner', async () => {
  const { node, reader } = setup();
  node.objects.set(id(9), { type: `${PKG}::seal::SealToken`, content: sealTokenBytes(id(9), id(1)), owner: { kind: 'address', address: ALICE } });
  const token = await reader.getSealToken(id(9));
  expect(token).toMatchObject({ id: id(9), objectOwner: ALICE, stakeRecord: id(1), expiresEpoch: 105n });
});

test('an unreachable node is ChainUnavailableError, never null', async () => {
  const { node, reader } = setup();
  addRecord(node, 1);
  node.down = { code: 'UNAVAILABLE', message: 'connection refused' };
  await expect(reader.getStakeRecord(id(1))).rejects.toBeInstanceOf(ChainUnavailableError);
});

test('the epoch is cached for its TTL and concurrent reads share one request', async () => {
  const { node, reader } = setup({ epochTtlMs: 60_000 });
  node.epoch = 7n;
  expect(await Promise.all([reader.getEpoch(), reader.getEpoch()])).toEqual([7n, 7n]);
  node.epoch = 8n;
  expect(await reader.getEpoch()).toBe(7n);
  expect(node.count('GetEpoch')).toBe(1);
  reader.invalidateEpoch();
  expect(await reader.getEpoch()).toBe(8n);
});

test('with a zero TTL every getEpoch asks the node', async () => {
  const { node, reader } = setup({ epochTtlMs: 0 });
  node.epoch = 1n;
  await reader.getEpoch();
  node.epoch = 2n;
  expect(await reader.getEpoch()).toBe(2n);
  expect(node.count('GetEpoch')).toBe(2);
});
