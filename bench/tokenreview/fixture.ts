/**
 * Benchmark fixture: stakers, their on-chain views (served by MemoryChain in the webhook process)
 * and their TokenReview bodies (replayed by wrk). Written by run.ts as JSON; bigints as strings.
 */
import type { SealTokenView, StakeRecordView } from '../../src/chain/objects.ts';
import type { AuthnChain } from '../../src/authn/authenticator.ts';

type Json<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] };

export interface Fixture {
  cluster: string;
  apiAudience: string;
  tokens: Array<Json<SealTokenView>>;
  records: Array<Json<StakeRecordView>>;
}

const bigints = <T extends object>(view: T, keys: string[]): T =>
  Object.fromEntries(Object.entries(view).map(([k, v]) => [k, keys.includes(k) ? BigInt(v as string) : v])) as T;

/** Answers reads from the fixture, like ChainReader answers from a full node. */
export class MemoryChain implements AuthnChain {
  readonly #tokens: Map<string, SealTokenView>;
  readonly #records: Map<string, StakeRecordView>;

  constructor(fixture: Fixture) {
    this.#tokens = new Map(fixture.tokens.map((t) => [t.id, bigints(t, ['issuedEpoch', 'expiresEpoch']) as unknown as SealTokenView]));
    this.#records = new Map(fixture.records.map((r) => [r.id, bigints(r, ['amount', 'stakedEpoch', 'unlockEpoch', 'slashedAmount']) as unknown as StakeRecordView]));
  }

  async getSealTokens(ids: Iterable<string>): Promise<Map<string, SealTokenView | null>> {
    return new Map([...ids].map((id) => [id, this.#tokens.get(id) ?? null]));
  }

  async getStakeRecords(ids: Iterable<string>): Promise<Map<string, StakeRecordView | null>> {
    return new Map([...ids].map((id) => [id, this.#records.get(id) ?? null]));
  }

  async getEpoch(): Promise<bigint> {
    return 10n;
  }
}
