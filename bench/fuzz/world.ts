/**
 * The fuzz target: the real webhook request listener — POST /authenticate (ClusterResolver,
 * Authenticator, decision cache, review memo), the admission router with the real validators, the
 * client-certificate guard — over an in-memory chain in which every seed staker's SealToken and stake
 * record exist and are active. So the chain never refuses: only the token checks stand between a
 * forged or mutated token and a "yes", which is what the fuzz run probes.
 */
import { PassThrough } from 'node:stream';
import type { Signer } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';
import { Secp256r1Keypair } from '@mysten/sui/keypairs/secp256r1';
import { MultiSigPublicKey, MultiSigSigner } from '@mysten/sui/multisig';
import { DEFAULT_DRAIN_POLICY_LIMITS } from '../../src/config/admission.ts';
import { validateNodeCreate } from '../../src/admission/node.ts';
import { ADMISSION_BODY_LIMITS, createAdmissionRouter } from '../../src/admission/router.ts';
import { validateSealBinding } from '../../src/admission/sealbinding.ts';
import { Authenticator, type AuthnChain } from '../../src/authn/authenticator.ts';
import { BindingIndex } from '../../src/feeds/bindings.ts';
import { DEFAULT_TIERS, validateTiers } from '../../src/policy/tiers.ts';
import type { SealTokenView, StakeRecordView } from '../../src/chain/objects.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { createAuditLog } from '../../src/log/audit.ts';
import { silentLogger } from '../../src/log/index.ts';
import { AUTHENTICATE_PATH, tokenReviewRoutes } from '../../src/authn/authenticate.ts';
import { createApp, createRequestListener } from '../../src/server/index.ts';
import { ClusterResolver } from '../../src/authn/cluster-of.ts';
import { makeSealToken, newClaims, type SealClaims } from '../../src/token/index.ts';
import type { ClusterAudience } from '../../src/token/verify.ts';
import { softwarePasskey } from '../../test/unit/token/fixtures.ts';

/** The cluster whose apiserver sends the fuzzed reviews (its client certificate CN), and a peer. */
export const HOME: ClusterAudience = { id: 'fuzz-home', apiAudiences: ['https://home.example'], clientCommonNames: ['kube-apiserver'] };
export const PEER: ClusterAudience = { id: 'fuzz-peer', apiAudiences: ['https://peer.example'], clientCommonNames: ['peer-apiserver'] };

export interface Seed {
  scheme: string;
  signer: Signer;
  claims: SealClaims;
  token: string;
}

const hex = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

class MemoryChain implements AuthnChain {
  readonly tokens = new Map<string, SealTokenView>();
  readonly records = new Map<string, StakeRecordView>();
  async getSealTokens(ids: Iterable<string>) {
    return new Map([...ids].map((id) => [id, this.tokens.get(id) ?? null] as const));
  }
  async getStakeRecords(ids: Iterable<string>) {
    return new Map([...ids].map((id) => [id, this.records.get(id) ?? null] as const));
  }
  async getEpoch() {
    return 10n;
  }
  stake(owner: string, n: number): string {
    const record: StakeRecordView = { id: hex(2000 + n), poolId: hex(1), staker: owner, nodeId: '', amount: 2n * MIST_PER_SUI, kind: 'user', status: 'active', stakedEpoch: 1n, unlockEpoch: 3n, slashedAmount: 0n, version: '1' };
    const token: SealTokenView = { id: hex(3000 + n), objectOwner: owner, stakeRecord: record.id, owner, nodeId: '', permissions: [], issuedEpoch: 5n, expiresEpoch: 100_000n, version: '1' };
    this.records.set(record.id, record);
    this.tokens.set(token.id, token);
    return token.id;
  }
}

function multisig(): Signer {
  const members = [new Ed25519Keypair(), new Secp256k1Keypair(), new Secp256r1Keypair()];
  const pk = MultiSigPublicKey.fromPublicKeys({ threshold: 2, publicKeys: members.map((m) => ({ publicKey: m.getPublicKey(), weight: 1 })) });
  return new MultiSigSigner(pk, members.slice(0, 2));
}

export const SCHEMES: Array<[string, () => Signer]> = [
  ['ED25519', () => new Ed25519Keypair()],
  ['Secp256k1', () => new Secp256k1Keypair()],
  ['Secp256r1', () => new Secp256r1Keypair()],
  ['MultiSig', multisig],
  ['Passkey', () => softwarePasskey()],
];

export interface World {
  listener: ReturnType<typeof createRequestListener>;
  authenticator: Authenticator;
  /** Accepted by HOME: one per scheme. */
  valid: Seed[];
  /** Must be refused by HOME: a PEER token per scheme, and per scheme a valid signature by another key of that scheme. */
  invalidSeeds: Array<{ why: string; token: string }>;
  close(): void;
}

export async function buildWorld(now: number): Promise<World> {
  const chain = new MemoryChain();
  const valid: Seed[] = [];
  const invalidSeeds: World['invalidSeeds'] = [];
  let n = 0;
  for (const [scheme, make] of SCHEMES) {
    const signer = make();
    const sub = signer.toSuiAddress();
    const tok = chain.stake(sub, n++);
    const claims = { ...newClaims({ cluster: HOME.id, sub, sealToken: tok, ttlSeconds: 900 }), iat: now - 5, exp: now + 880 };
    valid.push({ scheme, signer, claims, token: await makeSealToken(signer, claims) });
    invalidSeeds.push({ why: `${scheme} token for the peer cluster`, token: await makeSealToken(signer, { ...claims, aud: PEER.id }) });
    const mallory = make();
    const { signature } = await mallory.signPersonalMessage(new TextEncoder().encode(valid.at(-1)!.token.slice(5).split('.')[0]!));
    invalidSeeds.push({ why: `${scheme} signature by another key`, token: `${valid.at(-1)!.token.split('.')[0]}.${Buffer.from(signature, 'base64').toString('base64url')}` });
  }
  // The clock stands still at the run's start: a long run must not see its seeds expire (the fuzz is
  // about token content; time checks have their own tests).
  const authenticator = new Authenticator({ chain, bindings: new BindingIndex(), clusters: [HOME, PEER], tiers: validateTiers(DEFAULT_TIERS), skewSeconds: 60, maxLifetimeSeconds: 900, cacheTtlSeconds: 60, cacheMaxEntries: 100_000, now: () => now });
  const sink = new PassThrough();
  sink.resume();
  const resolver = new ClusterResolver(AUTHENTICATE_PATH, [HOME, PEER]);
  const exemptions = { exemptNodeNames: ['cp-*'], exemptNodeLabels: [{ key: 'node-role.kubernetes.io/control-plane' }] };
  const admission = createAdmissionRouter({
    validateSealBinding: (request) =>
      validateSealBinding(request, {
        chain: { getStakeRecords: (ids) => chain.getStakeRecords(ids), getSealTokens: (ids) => chain.getSealTokens(ids), getEpoch: () => chain.getEpoch() },
        bindingsForNode: async () => [],
        getNode: async () => null,
        mayBindAnyOwner: async () => false,
        exemptions,
        drainLimits: DEFAULT_DRAIN_POLICY_LIMITS,
      }),
    validateNode: (request) => validateNodeCreate(request, { config: exemptions, bindingsForNode: async () => [] }),
  });
  const listener = createRequestListener({
    app: createApp({ routers: [admission], requireClientCert: true, bodyLimits: ADMISSION_BODY_LIMITS }),
    fastRoutes: tokenReviewRoutes({ authenticator, logger: silentLogger(), audit: createAuditLog(sink), clusters: resolver }),
    requireClientCert: true,
  });
  return { listener, authenticator, valid, invalidSeeds, close: () => authenticator.close() };
}
