/**
 * The builders the mirror's descriptor tables are written with (src/sim/package/move.ts): parameters
 * in the order written, arguments handed to the mirror function in that order, and a mirror whose
 * parameter count differs from the Move declaration refused when the table is built.
 */
import type { ExecContext } from '../../../../src/sim/package/api.ts';
import { byMutRef, byRef, entryFunction, params, pure } from '../../../../src/sim/package/move.ts';
import { STRUCT } from '../../../../src/sim/package/objects.ts';

const ctx = { sender: '0x1', epoch: 3n } as unknown as ExecContext;

test('params keeps the order and the names the parameters are written in', () => {
  expect(params({ _cap: byRef(STRUCT.AdminCap), pool: byMutRef(STRUCT.StakePool), pcr0: pure('vector<u8>') })).toEqual([
    { name: '_cap', type: { kind: 'object', struct: 'staking::AdminCap', ref: 'imm' } },
    { name: 'pool', type: { kind: 'object', struct: 'staking::StakePool', ref: 'mut' } },
    { name: 'pcr0', type: { kind: 'pure', type: 'vector<u8>' } },
  ]);
});

test('entryFunction hands the context and the arguments to the mirror in the declared order', () => {
  const calls: unknown[][] = [];
  const mirror = (context: ExecContext, kind: bigint, nodeId: string): bigint[] => {
    calls.push([context, kind, nodeId]);
    return [kind];
  };
  const descriptor = entryFunction('staking', 'stake', mirror, { kind: pure('u8'), node_id: pure('string') });
  expect(descriptor).toMatchObject({ module: 'staking', name: 'stake', params: [{ name: 'kind' }, { name: 'node_id' }] });
  expect(descriptor.run(ctx, [2n, 'worker-1'])).toEqual([2n]);
  expect(calls).toEqual([[ctx, 2n, 'worker-1']]);
});

test('entryFunction refuses a mirror that takes another number of parameters than Move declares', () => {
  const mirror = (_ctx: ExecContext, _pool: unknown): void => undefined;
  expect(() => entryFunction('staking', 'withdraw', mirror, { pool: byMutRef(STRUCT.StakePool), record: byMutRef(STRUCT.StakeRecord) })).toThrow(
    'mirror of staking::withdraw takes 1 parameters; Move declares 2',
  );
});
