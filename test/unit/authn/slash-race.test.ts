/**
 * Issue 9 item 6, with the real ChainReader and its BatchLoader against sui-sim: a chain read that
 * starts after the StakeSlashed drop joins a fetch of the stake record that began before the slash.
 * The request answers with what that fetch read (the chain itself was racing), but the stale "yes"
 * must not be cached: the next review reads again and is refused.
 *
 * The only stand-in is timing control: the fetch that started before the slash is held, after its
 * RPC returned, until the authenticator's record read has joined it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Authenticator } from '../../../src/authn/authenticator.ts';
import { BindingIndex } from '../../../src/feeds/bindings.ts';
import { watchRevocations, type RevocationWatch } from '../../../src/authn/revocation.ts';
import { createEventFeed } from '../../../src/feeds/events.ts';
import { DEFAULT_TIERS, validateTiers } from '../../../src/policy/tiers.ts';
import { ChainClient } from '../../../src/chain/client.ts';
import { resolveNetwork, type NetworkConfig } from '../../../src/chain/network.ts';
import { ChainReader } from '../../../src/chain/reader.ts';
import { MIST_PER_SUI } from '../../../src/chain/schema.ts';
import { ChainWriter } from '../../../src/chain/writer.ts';
import { parseSuiPrivateKey } from '../../../src/cli/keys.ts';
import { SimAdminClient, startSim, type SimHandle } from '../../../src/sim/index.ts';
import { makeSealToken, newClaims } from '../../../src/token/index.ts';

const CLUSTER = 'race';

/** A real ChainClient whose first getObjects answer is held (after its RPC) until the second one came back. */
class HoldingClient extends ChainClient {
  #fetches = 0;
  #release!: () => void;
  readonly #gate = new Promise<void>((resolve) => (this.#release = resolve));
  #firstRead!: () => void;
  /** Resolves once the held fetch has read the chain. */
  readonly firstRead = new Promise<void>((resolve) => (this.#firstRead = resolve));

  override async call<T>(method: string, fn: Parameters<ChainClient['call']>[1]): Promise<T> {
    const result = (await super.call(method, fn)) as T;
    if (method !== 'getObjects') return result;
    const n = ++this.#fetches;
    if (n === 1) {
      this.#firstRead();
      await this.#gate;
    } else if (n === 2) {
      // The authenticator's SealToken read is back; its stake-record read follows within this turn's
      // microtasks (the epoch is cached), joining the held fetch. Release after that.
      setImmediate(() => this.#release());
    }
    return result;
  }
}

let sim: SimHandle;
let net: NetworkConfig;
beforeAll(async () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'daas-race-sim-'));
  sim = await startSim({ stateDir, quiet: true });
  net = resolveNetwork('local', { stateDir, env: {} });
}, 120_000);
afterAll(() => sim.stop());

async function stakerWithToken(): Promise<{ key: Ed25519Keypair; recordId: string; tokenId: string }> {
  const key = Ed25519Keypair.generate();
  await new SimAdminClient(sim.adminUrl).fund(key.toSuiAddress(), 10n * MIST_PER_SUI);
  const writer = new ChainWriter(net, key);
  const { recordId } = await writer.stake({ mist: 2n * MIST_PER_SUI, kind: 'user' });
  const { tokenId } = await writer.createSealToken(recordId);
  return { key, recordId, tokenId };
}

it('a read joining a fetch that began before the slash is answered but not cached', async () => {
  const client = new HoldingClient(net.endpoints);
  const reader = new ChainReader(net, { client, epochTtlMs: 600_000 });
  const bindings = new BindingIndex();
  const authn = new Authenticator({
    chain: reader,
    bindings,
    clusters: [{ id: CLUSTER, apiAudiences: [] }],
    tiers: validateTiers(DEFAULT_TIERS),
    skewSeconds: 60,
    maxLifetimeSeconds: 900,
    cacheTtlSeconds: 300,
    cacheMaxEntries: 1000,
    readRaceMs: 30_000,
  });
  const s = await stakerWithToken();
  const token = await makeSealToken(s.key, newClaims({ cluster: CLUSTER, sub: s.key.toSuiAddress(), sealToken: s.tokenId, ttlSeconds: 600 }));
  await reader.getEpoch(); // cached from now on (epochTtlMs), so the race below is decided by the object reads
  let slashDrops = 0;
  let watch: RevocationWatch | undefined;
  const feed = createEventFeed(reader, { pollMs: 50 });
  try {
    await feed.start(); // from the newest event on
    watch = watchRevocations({
      cache: authn.cache,
      events: feed,
      bindings,
      onDrop: (cause) => void (cause === 'StakeSlashed' && slashDrops++),
    });
    // Someone else (the controller, say) reads the stake record before the slash; the fetch is held.
    const early = reader.getStakeRecords([s.recordId]);
    await client.firstRead;
    const admin = new ChainWriter(net, parseSuiPrivateKey(sim.network.adminKey, 'sim admin key'));
    await admin.slash(s.recordId, 'unit: slash racing a batched read');
    for (let i = 0; i < 500 && slashDrops === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(slashDrops).toBe(1);

    // After the drop: the review's record read joins the held pre-slash fetch.
    const racing = await authn.authenticate(token);
    expect((await early).get(s.recordId)?.status).toBe('active'); // the held fetch did read the pre-slash record
    expect(racing).toMatchObject({ authenticated: true, cached: false });
    expect(authn.cache.size).toBe(0);

    const next = await authn.authenticate(token);
    expect(next).toMatchObject({ authenticated: false, reason: 'stake_slashed', cached: false });
  } finally {
    await watch?.stop();
    await feed.stop();
    authn.close();
    reader.close();
    client.close();
  }
}, 120_000);
