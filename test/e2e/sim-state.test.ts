/**
 * `--state DIR`: a sim restarted from its state directory has every object (id, version, digest,
 * owner, contents), every transaction, every event and the epoch of the one that stopped, and the
 * chain goes on from there.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, jest, test } from '@jest/globals';
import { MIST_PER_SUI, StakeRecord, StakeStatus } from '../../src/chain/schema.ts';
import { NETWORK_FILE, STATE_DB } from '../../src/sim/index.ts';
import { openStateStore, serializeLedger } from '../../src/sim/persist.ts';
import { created, executeOk, fundedAccount, startTestSim, type TestSim } from './sim-support.ts';

jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'sui-sim-state-'));
const running: TestSim[] = [];

afterAll(async () => {
  await Promise.all(running.map((t) => t.sim.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function snapshot(t: TestSim, ids: string[]) {
  const { objects } = await t.client.core.getObjects({ objectIds: ids, include: { content: true, previousTransaction: true, objectBcs: true } });
  return objects.map((o) => {
    if (o instanceof Error) throw o;
    return { id: o.objectId, version: o.version, digest: o.digest, owner: o.owner, type: o.type, content: o.content, bcs: o.objectBcs, prev: o.previousTransaction };
  });
}

test('the sim restarts from --state with every object, transaction, event and the epoch intact', async () => {
  const first = await startTestSim({ stateDir: dir });
  running.push(first);
  const alice = await fundedAccount(first, 50n);
  const stake = await executeOk(first, alice, (tx) => {
    const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(MIST_PER_SUI)]);
    tx.moveCall({ target: first.target('staking', 'stake'), arguments: [tx.object(first.sim.network.poolId), coin!, tx.pure.u8(1), tx.pure.string('')] });
  });
  const recordId = created(stake, '::staking::StakeRecord')[0]!;
  const token = await executeOk(first, alice, (tx) => {
    tx.moveCall({ target: first.target('seal', 'create_user_seal_token'), arguments: [tx.object(recordId)] });
  });
  await executeOk(first, alice, (tx) => tx.moveCall({ target: first.target('staking', 'request_unstake'), arguments: [tx.object(first.sim.network.poolId), tx.object(recordId)] }));
  await first.admin.advanceEpoch(5);

  const stored = openStateStore(dir); // a second reader of the live database (WAL)
  const state = serializeLedger(stored.ledger!);
  stored.store.close();
  expect(statSync(join(dir, STATE_DB)).mode & 0o077).toBe(0); // it holds the development keys
  const ids = state.objects.map((o) => o.id).filter((id) => id !== '0x0000000000000000000000000000000000000000000000000000000000000006');
  expect(ids).toEqual(expect.arrayContaining([recordId, created(token, '::seal::SealToken')[0]!, first.sim.network.poolId, first.sim.network.packageId]));
  const before = await snapshot(first, ids);
  const eventsBefore = await first.client.core.listEvents({ limit: 1000 });
  const ownedBefore = await first.client.core.listOwnedObjects({ owner: alice.toSuiAddress() });
  await first.sim.stop();

  const second = await startTestSim({ stateDir: dir });
  running.push(second);
  expect(second.sim.network).toEqual({ ...first.sim.network, rpcUrl: second.sim.rpcUrl, adminUrl: second.sim.adminUrl });
  expect(JSON.parse(readFileSync(join(dir, NETWORK_FILE), 'utf8'))).toEqual(second.sim.network);
  expect(await snapshot(second, ids)).toEqual(before);
  expect(await second.client.core.listEvents({ limit: 1000 })).toEqual(eventsBefore);
  expect((await second.client.core.listOwnedObjects({ owner: alice.toSuiAddress() })).objects).toEqual(ownedBefore.objects);
  expect((await second.client.core.getCurrentSystemState()).systemState.epoch).toBe('5');
  const tx = await second.client.core.getTransaction({ digest: stake.digest, include: { effects: true, events: true } });
  expect(tx.Transaction!.effects!.bcs).toEqual(stake.effects!.bcs);
  expect(tx.Transaction!.checkpoint).toBe(stake.checkpoint);

  // …and goes on: the record unlocked in epoch 2 is withdrawn on the restarted chain.
  await executeOk(second, alice, (tx) => tx.moveCall({ target: second.target('staking', 'withdraw'), arguments: [tx.object(second.sim.network.poolId), tx.object(recordId)] }));
  const { object } = await second.client.core.getObject({ objectId: recordId, include: { content: true } });
  expect(StakeRecord.parse(await object.content).status).toBe(StakeStatus.withdrawn);
});
