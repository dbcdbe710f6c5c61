/**
 * Benchmark fixture: stakers, their on-chain views (served by MemoryChain in the webhook process)
 * and their TokenReview bodies (replayed by wrk). Written by run.ts as JSON; bigints as strings.
 */
import type { SealTokenView, StakeRecordView } from '../../src/chain/objects.ts';
import type { AuthnChain } from '../../src/authn/authenticator.ts';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { makeSealToken, newClaims } from '../../src/token/index.ts';

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

const id = (n: number, salt: number): string => `0x${salt.toString(16).padStart(8, '0')}${n.toString(16).padStart(56, '0')}`;

/** `count` stakers with live stakes and one TokenReview body each. */
export async function makeFixture(count: number): Promise<{ fixture: Fixture; bodies: string[] }> {
  const cluster = 'bench';
  const apiAudience = 'https://kubernetes.default.svc.cluster.local';
  const fixture: Fixture = { cluster, apiAudience, tokens: [], records: [] };
  const bodies: string[] = [];
  const key = new Ed25519Keypair(); // one key signs for many SealTokens: signature cost is per token either way
  const sub = key.toSuiAddress();
  for (let i = 0; i < count; i++) {
    const tokenId = id(i, 1);
    const recordId = id(i, 2);
    fixture.records.push({ id: recordId, poolId: id(0, 3), staker: sub, nodeId: '', amount: String(2_000_000_000 + i), kind: 'user', status: 'active', stakedEpoch: '1', unlockEpoch: '3', slashedAmount: '0', version: '1' });
    fixture.tokens.push({ id: tokenId, objectOwner: sub, stakeRecord: recordId, owner: sub, nodeId: '', permissions: [], issuedEpoch: '5', expiresEpoch: '105', version: '1' });
    const token = await makeSealToken(key, newClaims({ cluster, sub, sealToken: tokenId, ttlSeconds: 900 }));
    bodies.push(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: { token, audiences: [apiAudience] }, status: { user: {} } }));
  }
  return { fixture, bodies };
}
