/** gRPC Transaction ⇄ BCS TransactionData: what the SDK sends and reads back. */
import { describe, expect, test } from '@jest/globals';
import { Inputs, Transaction } from '@mysten/sui/transactions';
import { randomDigest } from '../../../src/sim/digest.ts';
import { draftFromGrpc, MalformedTransaction, parseTransactionBcs, transactionToGrpc } from '../../../src/sim/txcodec.ts';

async function sample(): Promise<Uint8Array> {
  const tx = new Transaction();
  tx.setSender(`0x${'11'.repeat(32)}`);
  tx.setGasPayment([{ objectId: `0x${'22'.repeat(32)}`, version: '7', digest: randomDigest() }]);
  tx.setGasPrice(1000);
  tx.setGasBudget(2_000_000);
  tx.setExpiration({ Epoch: 9 });
  const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(5n)]);
  tx.mergeCoins(tx.gas, [tx.object(Inputs.ObjectRef({ objectId: `0x${'33'.repeat(32)}`, version: '2', digest: randomDigest() }))]);
  tx.moveCall({
    target: `0x${'44'.repeat(32)}::staking::stake`,
    arguments: [tx.object(Inputs.SharedObjectRef({ objectId: `0x${'55'.repeat(32)}`, initialSharedVersion: 3, mutable: true })), coin!, tx.pure.u8(1), tx.pure.string('')],
  });
  tx.makeMoveVec({ type: 'u8', elements: [tx.pure.u8(1), tx.pure.u8(2)] });
  return tx.build();
}

function assertNever(): never {
  throw new Error('unresolved input');
}

describe('txcodec', () => {
  test('BCS → structured gRPC message → draft → BCS gives the same bytes', async () => {
    const bytes = await sample();
    const grpc = transactionToGrpc(parseTransactionBcs(bytes), bytes, 'digest');
    const { bcs: _bcs, ...structured } = grpc;
    const draft = draftFromGrpc(structured);
    expect(draft.inputs.every((i) => i.kind === 'resolved')).toBe(true);
    const { bcs } = await import('@mysten/sui/bcs');
    const again = bcs.TransactionData.serialize({
      V1: {
        kind: { ProgrammableTransaction: { inputs: draft.inputs.map((i) => (i.kind === 'resolved' ? i.arg : assertNever())), commands: draft.commands } },
        sender: draft.sender,
        gasData: { payment: draft.gas.payment, owner: draft.gas.owner!, price: draft.gas.price!, budget: draft.gas.budget! },
        expiration: draft.expiration,
      },
    }).toBytes();
    expect(again).toEqual(bytes);
  });

  test('an object input known only by id stays unresolved for the resolver', () => {
    const draft = draftFromGrpc({
      sender: '0x1',
      kind: { data: { oneofKind: 'programmableTransaction', programmableTransaction: { inputs: [{ objectId: '0x5' }], commands: [] } } },
    });
    expect(draft.inputs).toEqual([{ kind: 'object', objectId: `0x${'0'.repeat(63)}5`, version: undefined, digest: undefined, mutable: undefined }]);
  });

  test('refuses what the sim cannot run: publish, missing sender, non-programmable kinds', () => {
    expect(() => draftFromGrpc({ kind: { data: { oneofKind: 'programmableTransaction', programmableTransaction: { inputs: [], commands: [] } } } })).toThrow(
      MalformedTransaction,
    );
    expect(() =>
      draftFromGrpc({
        sender: '0x1',
        kind: { data: { oneofKind: 'programmableTransaction', programmableTransaction: { inputs: [], commands: [{ command: { oneofKind: 'publish', publish: { modules: [], dependencies: [] } } }] } } },
      }),
    ).toThrow(/cannot publish/);
    expect(() => parseTransactionBcs(new Uint8Array([0, 1]))).toThrow(MalformedTransaction);
  });
});
