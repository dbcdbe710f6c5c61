/** ChainFacts (chain-errors.ts) read through a ChainReader; any read that fails answers undefined. */
import type { ChainReader } from '../chain/reader.ts';
import { StakeKind, StakePool } from '../chain/schema.ts';
import type { ChainFacts } from './chain-errors.ts';

export function chainFacts(reader: ChainReader): ChainFacts {
  const object = async (id: string) => {
    const { objects } = await reader.client.call('getObjects', (c) => c.core.getObjects({ objectIds: [id], include: { content: true } }));
    const found = objects[0];
    return found instanceof Error || !found ? undefined : found;
  };
  const quietly = async <T>(read: () => Promise<T | undefined>): Promise<T | undefined> => read().catch(() => undefined);
  return {
    minStakeMist: (kind) =>
      quietly(async () => {
        const pool = await object(reader.network.poolId);
        const index = StakeKind[kind as keyof typeof StakeKind];
        if (!pool || index === undefined || !(pool.content instanceof Uint8Array)) return undefined;
        const min = StakePool.parse(pool.content).min_stake[index];
        return min === undefined ? undefined : BigInt(min);
      }),
    lock: (recordId) =>
      quietly(async () => {
        const [record, epoch] = await Promise.all([reader.getStakeRecord(recordId.toLowerCase()), reader.getEpoch()]);
        return record ? { unlockEpoch: record.unlockEpoch, epoch } : undefined;
      }),
    typeName: (id) => quietly(async () => (await object(id))?.type.replace(/0x[0-9a-fA-F]+::\w+::/g, '')),
  };
}
