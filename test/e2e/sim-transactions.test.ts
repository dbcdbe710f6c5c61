/**
 * sui-sim through the unmodified SDK client over loopback gRPC: coin transactions, the checks a
 * validator makes (signature, ownership, versions), failed transactions, idempotent execution,
 * batched object reads counted at the sim, events by cursor, subscriptions and signature
 * verification.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Inputs, Transaction } from '@mysten/sui/transactions';
import { fromBase64, toBase64 } from '@mysten/sui/utils';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { GAS_UNITS_PER_TRANSACTION, REFERENCE_GAS_PRICE } from '../../src/sim/gas.ts';
import { created, execute, executeOk, fundedAccount, startTestSim, type TestSim } from './sim-support.ts';

jest.setTimeout(60_000);

const GAS = GAS_UNITS_PER_TRANSACTION * REFERENCE_GAS_PRICE;
let t: TestSim;
let alice: Ed25519Keypair;
let bob: Ed25519Keypair;

beforeAll(async () => {
  t = await startTestSim();
  alice = await fundedAccount(t, 100n);
  bob = await fundedAccount(t, 100n);
});

afterAll(async () => {
  await t.sim.stop();
});

async function coinRef(owner: Ed25519Keypair) {
  const { objects } = await t.client.core.listCoins({ owner: owner.toSuiAddress() });
  const coin = objects[0]!;
  return { objectId: coin.objectId, version: coin.version, digest: coin.digest };
}

/** A fully resolved transaction built offline (no simulation): what a validator receives. */
async function offline(sender: Ed25519Keypair, build: (tx: Transaction) => void): Promise<Uint8Array> {
  const tx = new Transaction();
  tx.setSender(sender.toSuiAddress());
  tx.setGasPayment([await coinRef(sender)]);
  tx.setGasPrice(REFERENCE_GAS_PRICE);
  tx.setGasBudget(GAS);
  build(tx);
  return tx.build();
}

describe('coin transactions', () => {
  test('builds, signs and executes a split + transfer; balances, gas and versions as on Sui', async () => {
    const carol = await fundedAccount(t, 1n);
    const before = BigInt((await t.client.core.getBalance({ owner: alice.toSuiAddress() })).balance.balance);
    const result = await executeOk(t, alice, (tx) => {
      const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(3n * MIST_PER_SUI)]);
      tx.transferObjects([coin!], tx.pure.address(carol.toSuiAddress()));
    });

    const [coinId] = created(result, '::coin::Coin<0x0000000000000000000000000000000000000000000000000000000000000002::sui::SUI>');
    const { object } = await t.client.core.getObject({ objectId: coinId! });
    expect(object.owner).toEqual({ $kind: 'AddressOwner', AddressOwner: carol.toSuiAddress() });
    const after = BigInt((await t.client.core.getBalance({ owner: alice.toSuiAddress() })).balance.balance);
    expect(before - after).toBe(3n * MIST_PER_SUI + GAS);
    expect(result.effects!.gasUsed.computationCost).toBe(GAS.toString());
    // Lamport versions: every written object gets max(input versions) + 1.
    const gas = result.effects!.gasObject!;
    expect(BigInt(gas.outputVersion!)).toBe(BigInt(gas.inputVersion!) + 1n);
    expect(object.version).toBe(gas.outputVersion);
    expect(result.effects!.lamportVersion).toBe(gas.outputVersion);
    expect(result.balanceChanges).toEqual(
      expect.arrayContaining([expect.objectContaining({ address: carol.toSuiAddress(), amount: (3n * MIST_PER_SUI).toString() })]),
    );
  });

  test('merges coins and pays with several gas coins', async () => {
    const dave = await fundedAccount(t, 2n);
    await t.admin.fund(dave.toSuiAddress(), 2n * MIST_PER_SUI);
    const { objects } = await t.client.core.listCoins({ owner: dave.toSuiAddress() });
    expect(objects).toHaveLength(2);
    const result = await executeOk(t, dave, (tx) => {
      tx.setGasPayment(objects.map((c) => ({ objectId: c.objectId, version: c.version, digest: c.digest })));
      const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(1n)]);
      tx.mergeCoins(tx.gas, [coin!]);
    });
    // Gas smashing: the second gas coin is merged into the first and deleted.
    const deleted = result.effects!.changedObjects.filter((c) => c.idOperation === 'Deleted').map((c) => c.objectId);
    expect(deleted).toEqual([objects.find((c) => c.objectId !== result.effects!.gasObject!.objectId)!.objectId]);
    const after = await t.client.core.listCoins({ owner: dave.toSuiAddress() });
    expect(after.objects).toHaveLength(1);
    expect(after.objects[0]!.balance).toBe((4n * MIST_PER_SUI - GAS).toString());
  });
});

describe('what a validator refuses', () => {
  test('a transaction with a bad signature is rejected and changes nothing', async () => {
    const bytes = await offline(alice, (tx) => tx.transferObjects([tx.splitCoins(tx.gas, [tx.pure.u64(1n)])[0]!], tx.pure.address(alice.toSuiAddress())));
    const gasBefore = await coinRef(alice);

    const { signature: bobsSignature } = await bob.signTransaction(bytes);
    await expect(t.client.core.executeTransaction({ transaction: bytes, signatures: [bobsSignature] })).rejects.toThrow(
      /Invalid user signature: Required Signature from 0x[0-9a-f]{64} is absent/,
    );
    const { signature } = await alice.signTransaction(bytes);
    const forged = fromBase64(signature);
    forged[5]! ^= 0xff;
    await expect(t.client.core.executeTransaction({ transaction: bytes, signatures: [toBase64(forged)] })).rejects.toThrow(
      /Invalid user signature/,
    );
    await expect(t.client.core.executeTransaction({ transaction: bytes, signatures: [] })).rejects.toThrow(/expected 1 signature/);
    expect(await coinRef(alice)).toEqual(gasBefore);
  });

  test('an owned object of someone else is refused, at build and at execution', async () => {
    const bobsCoin = await coinRef(bob);
    const steal = (tx: Transaction) => tx.transferObjects([tx.object(Inputs.ObjectRef(bobsCoin))], tx.pure.address(alice.toSuiAddress()));
    const bytes = await offline(alice, steal);
    const { signature } = await alice.signTransaction(bytes);
    await expect(t.client.core.executeTransaction({ transaction: bytes, signatures: [signature] })).rejects.toThrow(
      `Object ${bobsCoin.objectId} is owned by account address ${bob.toSuiAddress()}, but given owner/signer address is ${alice.toSuiAddress()}`,
    );
    await expect(execute(t, alice, (tx) => tx.transferObjects([tx.object(bobsCoin.objectId)], tx.pure.address(alice.toSuiAddress())))).rejects.toThrow(
      /is owned by account address/,
    );
    expect(await coinRef(bob)).toEqual(bobsCoin);
  });

  test('a stale object version is refused', async () => {
    const stale = await coinRef(alice);
    await executeOk(t, alice, (tx) => tx.transferObjects([tx.splitCoins(tx.gas, [tx.pure.u64(1n)])[0]!], tx.pure.address(bob.toSuiAddress())));
    const tx = new Transaction();
    tx.setSender(alice.toSuiAddress());
    tx.setGasPayment([stale]);
    tx.setGasPrice(REFERENCE_GAS_PRICE);
    tx.setGasBudget(GAS);
    const bytes = await tx.build();
    const { signature } = await alice.signTransaction(bytes);
    await expect(t.client.core.executeTransaction({ transaction: bytes, signatures: [signature] })).rejects.toThrow(
      new RegExp(`Object ID ${stale.objectId} Version ${stale.version} Digest ${stale.digest} is not available for consumption`),
    );
  });

  test('a gas price under the reference gas price and a budget under the minimum are refused', async () => {
    const cheap = new Transaction();
    cheap.setSender(alice.toSuiAddress());
    cheap.setGasPayment([await coinRef(alice)]);
    cheap.setGasPrice(REFERENCE_GAS_PRICE - 1n);
    cheap.setGasBudget(GAS);
    const cheapBytes = await cheap.build();
    await expect(
      t.client.core.executeTransaction({ transaction: cheapBytes, signatures: [(await alice.signTransaction(cheapBytes)).signature] }),
    ).rejects.toThrow(/under reference gas price/);
    const tight = new Transaction();
    tight.setSender(alice.toSuiAddress());
    tight.setGasPayment([await coinRef(alice)]);
    tight.setGasPrice(REFERENCE_GAS_PRICE);
    tight.setGasBudget(GAS - 1n);
    const tightBytes = await tight.build();
    await expect(
      t.client.core.executeTransaction({ transaction: tightBytes, signatures: [(await alice.signTransaction(tightBytes)).signature] }),
    ).rejects.toThrow(/lower than the minimum/);
  });
});

describe('execution results', () => {
  test('a Move abort is committed as a failed transaction: gas charged, mutable inputs bumped, abort located', async () => {
    const { objects } = await t.client.core.getObjects({ objectIds: [t.sim.network.poolId, t.sim.network.adminCapId], include: { content: true } });
    const [pool, cap] = objects as Array<Exclude<(typeof objects)[number], Error>>;
    const bytes = await offline(t.publisher, (tx) =>
      tx.moveCall({
        target: t.target('staking', 'set_slash_bps'),
        arguments: [
          tx.object(Inputs.ObjectRef({ objectId: cap!.objectId, version: cap!.version, digest: cap!.digest })),
          tx.object(Inputs.SharedObjectRef({ objectId: pool!.objectId, initialSharedVersion: 1, mutable: true })),
          tx.pure.u64(10_001n),
        ],
      }),
    );
    const { signature } = await t.publisher.signTransaction(bytes);
    const result = await t.client.core.executeTransaction({ transaction: bytes, signatures: [signature], include: { effects: true } });
    expect(result.$kind).toBe('FailedTransaction');
    const failed = result.FailedTransaction!;
    expect(failed.status.error).toMatchObject({
      $kind: 'MoveAbort',
      message: `MoveAbort in 1st command, abort code: 9, in '${t.sim.network.packageId}::staking::set_slash_bps' (instruction 0)`,
      MoveAbort: { abortCode: '9', location: { module: 'staking', functionName: 'set_slash_bps' } },
    });
    expect(failed.effects!.gasUsed.computationCost).toBe(GAS.toString());
    const poolChange = failed.effects!.changedObjects.find((c) => c.objectId === pool!.objectId)!;
    expect(poolChange.outputVersion).toBe(failed.effects!.lamportVersion);
    const { object: after } = await t.client.core.getObject({ objectId: pool!.objectId, include: { content: true } });
    expect(after.version).toBe(failed.effects!.lamportVersion);
    expect(after.content).toEqual(pool!.content); // contents unchanged
  });

  test('executing the same signed transaction again returns its recorded effects', async () => {
    const bytes = await offline(alice, (tx) => tx.transferObjects([tx.splitCoins(tx.gas, [tx.pure.u64(5n)])[0]!], tx.pure.address(bob.toSuiAddress())));
    const { signature } = await alice.signTransaction(bytes);
    const first = await t.client.core.executeTransaction({ transaction: bytes, signatures: [signature], include: { effects: true } });
    const again = await t.client.core.executeTransaction({ transaction: bytes, signatures: [signature], include: { effects: true } });
    expect(again.Transaction!.digest).toBe(first.Transaction!.digest);
    expect(again.Transaction!.effects!.bcs).toEqual(first.Transaction!.effects!.bcs);
    const fetched = await t.client.core.getTransaction({ digest: first.Transaction!.digest, include: { effects: true, transaction: true } });
    expect(fetched.Transaction!.effects!.bcs).toEqual(first.Transaction!.effects!.bcs);
    expect(fetched.Transaction!.transaction!.sender).toBe(alice.toSuiAddress());
  });
});

describe('reads', () => {
  test('200 object ids are read through client.core.getObjects in at most 4 calls, counted at the sim', async () => {
    const amounts = Array.from({ length: 200 }, () => 1_000n);
    const result = await executeOk(t, alice, (tx) => {
      const coins = tx.splitCoins(tx.gas, amounts.map((a) => tx.pure.u64(a)));
      tx.transferObjects(amounts.map((_, i) => coins[i]!), tx.pure.address(alice.toSuiAddress()));
    });
    const ids = created(result, '::sui::SUI>');
    expect(ids).toHaveLength(200);

    await t.admin.resetStats();
    const { objects } = await t.client.core.getObjects({ objectIds: ids });
    const stats = await t.admin.stats();

    expect(objects.map((o) => (o instanceof Error ? o.message : o.objectId))).toEqual(ids);
    const batches = stats.objectIdsPerCall['sui.rpc.v2.LedgerService/BatchGetObjects'] ?? [];
    expect(batches.length).toBeLessThanOrEqual(4);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(200);
    expect(stats.totalCalls).toBe(batches.length);
  });

  test('an unknown object is reported per id, not as a failed call', async () => {
    const missing = `0x${'ab'.repeat(32)}`;
    const { objects } = await t.client.core.getObjects({ objectIds: [t.sim.network.poolId, missing] });
    expect(objects[0]).not.toBeInstanceOf(Error);
    expect(objects[1]).toBeInstanceOf(Error);
    expect((objects[1] as Error & { code: string }).code).toBe('notExists');
  });
});

describe('events', () => {
  const stakeEvent = (t: TestSim) => `${t.sim.network.packageId}::staking::StakeCreated`;

  async function stakeUser(signer: Ed25519Keypair) {
    return executeOk(t, signer, (tx) => {
      const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(MIST_PER_SUI)]);
      tx.moveCall({ target: t.target('staking', 'stake'), arguments: [tx.object(t.sim.network.poolId), coin!, tx.pure.u8(1), tx.pure.string('')] });
    });
  }

  test('are listed by cursor without gaps or repeats, and a follower picks up new ones from its last cursor', async () => {
    for (let i = 0; i < 7; i++) await stakeUser(bob);
    const filter = { eventType: stakeEvent(t) };
    const all = await t.client.core.listEvents({ filter, limit: 1000 });
    expect(all.hasNextPage).toBe(false);

    const pages: string[] = [];
    let cursor: string | null = null;
    let sawEnd = false;
    while (!sawEnd) {
      const page: Awaited<ReturnType<typeof t.client.core.listEvents>> = await t.client.core.listEvents({ filter, limit: 3, after: cursor ?? undefined });
      pages.push(...page.events.map((e) => `${e.transactionDigest}:${e.eventIndex}`));
      if (page.endCursor) cursor = page.endCursor;
      sawEnd = !page.hasNextPage;
    }
    expect(pages).toEqual(all.events.map((e) => `${e.transactionDigest}:${e.eventIndex}`));
    expect(new Set(pages).size).toBe(pages.length);
    expect(pages.length).toBeGreaterThanOrEqual(7);

    const newer = await stakeUser(bob);
    const next = await t.client.core.listEvents({ filter, after: cursor! });
    expect(next.events.map((e) => e.transactionDigest)).toEqual([newer.digest]);
    expect(next.events[0]!.eventType).toBe(stakeEvent(t));
    expect(next.events[0]!.json).toMatchObject({ staker: bob.toSuiAddress(), kind: 1, amount: MIST_PER_SUI.toString() });
  });

  test('are filtered by sender and streamed to subscribers', async () => {
    await t.admin.resetStats();
    const controller = new AbortController();
    const call = t.client.subscriptionService.subscribeEvents(
      { filter: { terms: [{ literals: [{ negated: false, predicate: { oneofKind: 'sender', sender: { address: alice.toSuiAddress() } } }] }] } },
      { abort: controller.signal },
    );
    const received: string[] = [];
    const reading = (async () => {
      try {
        for await (const frame of call.responses) {
          received.push(frame.event!.transactionDigest!);
          if (received.length === 1) controller.abort();
        }
      } catch {
        // cancelled by us
      }
    })();
    // The stream is open once the sim has counted the call (it subscribes in the same step).
    while (!(await t.admin.stats()).calls['sui.rpc.v2.SubscriptionService/SubscribeEvents']) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await stakeUser(bob); // not alice's: filtered out
    const mine = await stakeUser(alice);
    await reading;
    expect(received).toEqual([mine.digest]);

    const bySender = await t.client.core.listEvents({ filter: { sender: alice.toSuiAddress() } });
    expect(bySender.events.every((e) => e.sender === alice.toSuiAddress())).toBe(true);
    expect(bySender.events.map((e) => e.transactionDigest)).toContain(mine.digest);
  });
});

describe('signature verification service', () => {
  test('verifies personal message signatures with the SDK verifiers', async () => {
    const message = new TextEncoder().encode('seal_claims.example');
    const { signature } = await alice.signPersonalMessage(message);
    const ok = await t.client.core.verifyZkLoginSignature({
      bytes: toBase64(message),
      signature,
      intentScope: 'PersonalMessage',
      address: alice.toSuiAddress(),
    });
    expect(ok).toEqual({ success: true, errors: [] });
    const wrong = await t.client.core.verifyZkLoginSignature({
      bytes: toBase64(message),
      signature,
      intentScope: 'PersonalMessage',
      address: bob.toSuiAddress(),
    });
    expect(wrong.success).toBe(false);
  });
});
