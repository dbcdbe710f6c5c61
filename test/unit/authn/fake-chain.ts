/** An in-memory stand-in for ChainReader (unit tests only; e2e runs against sui-sim). */
import type { Signer } from '@mysten/sui/cryptography';
import type { SealTokenView, StakeRecordView } from '../../../src/chain/objects.ts';
import { ChainUnavailableError } from '../../../src/chain/errors.ts';
import { MIST_PER_SUI } from '../../../src/chain/schema.ts';
import type { AuthnChain } from '../../../src/authn/authenticator.ts';

let counter = 0;
export const objectId = (): string => `0x${(++counter).toString(16).padStart(64, '0')}`;

export class FakeChain implements AuthnChain {
  tokens = new Map<string, SealTokenView>();
  records = new Map<string, StakeRecordView>();
  epoch = 10n;
  down = false;
  calls = { getSealTokens: 0, getStakeRecords: 0, getEpoch: 0 };

  async getSealTokens(ids: Iterable<string>): Promise<Map<string, SealTokenView | null>> {
    this.calls.getSealTokens++;
    return this.#read(ids, this.tokens);
  }

  async getStakeRecords(ids: Iterable<string>): Promise<Map<string, StakeRecordView | null>> {
    this.calls.getStakeRecords++;
    return this.#read(ids, this.records);
  }

  async getEpoch(): Promise<bigint> {
    this.calls.getEpoch++;
    if (this.down) throw new ChainUnavailableError('no endpoint answered', ['http://127.0.0.1:1']);
    return this.epoch;
  }

  #read<V>(ids: Iterable<string>, from: Map<string, V>): Map<string, V | null> {
    if (this.down) throw new ChainUnavailableError('no endpoint answered', ['http://127.0.0.1:1']);
    return new Map([...ids].map((id) => [id, from.get(id) ?? null]));
  }

  /** A staker with an active stake of `sui` SUI and a SealToken for it (a node stake when `node` is set). */
  stake(signer: Signer, sui: number, node?: string): { record: StakeRecordView; token: SealTokenView } {
    const staker = signer.toSuiAddress();
    const record: StakeRecordView = {
      id: objectId(),
      poolId: objectId(),
      staker,
      nodeId: node ?? '',
      amount: BigInt(Math.round(sui * 1000)) * (MIST_PER_SUI / 1000n),
      kind: node ? 'node' : sui >= 5 ? 'admin' : 'user',
      status: 'active',
      stakedEpoch: 1n,
      unlockEpoch: 3n,
      slashedAmount: 0n,
      version: '1',
    };
    const token: SealTokenView = {
      id: objectId(),
      objectOwner: staker,
      stakeRecord: record.id,
      owner: staker,
      nodeId: node ?? '',
      permissions: [],
      issuedEpoch: 5n,
      expiresEpoch: 105n,
      version: '1',
    };
    this.records.set(record.id, record);
    this.tokens.set(token.id, token);
    return { record, token };
  }
}
