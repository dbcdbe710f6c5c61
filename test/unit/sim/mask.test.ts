/** Read masks as the full node applies them. */
import { describe, expect, test } from '@jest/globals';
import { GrpcTypes } from '@mysten/sui/grpc';
import { applyMask, maskSelects } from '../../../src/sim/grpc/mask.ts';

const tx: GrpcTypes.ExecutedTransaction = {
  digest: 'D',
  signatures: [],
  balanceChanges: [{ address: '0x1', coinType: 'c', amount: '1' }],
  checkpoint: 7n,
  effects: GrpcTypes.TransactionEffects.create({
    status: { success: true },
    epoch: 3n,
    changedObjects: [{ objectId: '0xa', objectType: 'T', outputVersion: 2n }],
  }),
};

describe('applyMask', () => {
  test('keeps only the named fields, through nested and repeated messages (snake_case paths)', () => {
    const masked = applyMask(GrpcTypes.ExecutedTransaction, tx, ['effects.status', 'effects.changed_objects.object_type'], ['digest']);
    expect(masked.digest).toBeUndefined();
    expect(masked.checkpoint).toBeUndefined();
    expect(masked.balanceChanges).toEqual([]);
    expect(masked.effects!.status).toEqual({ success: true });
    expect(masked.effects!.epoch).toBeUndefined();
    expect(masked.effects!.changedObjects).toEqual([{ objectType: 'T' }]);
    // still a valid message: it serialises
    expect(() => GrpcTypes.ExecutedTransaction.toBinary(masked)).not.toThrow();
  });

  test('uses the defaults when the request has no mask', () => {
    expect(applyMask(GrpcTypes.ExecutedTransaction, tx, undefined, ['digest', 'checkpoint'])).toMatchObject({ digest: 'D', checkpoint: 7n });
    expect(applyMask(GrpcTypes.ExecutedTransaction, tx, [], ['digest']).checkpoint).toBeUndefined();
  });

  test('maskSelects sees parents and children of a path', () => {
    expect(maskSelects(['transaction.effects'], [], 'transaction.effects.status')).toBe(true);
    expect(maskSelects(['transaction.effects.status'], [], 'transaction.effects')).toBe(true);
    expect(maskSelects(['transaction.digest'], [], 'command_outputs')).toBe(false);
  });
});
