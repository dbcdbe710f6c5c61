/**
 * Every refusal of docs/design.md §3 through the real cluster and sui-sim: kubectl gets a 401, and the
 * webhook answers `authenticated: false` with no `error` (a definitive refusal, not an outage).
 */
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { encodeBase64url } from '../../src/token/base64url.ts';
import { SEALBINDING_API_VERSION } from '../../src/k8s/sealbinding.ts';
import { join } from 'node:path';
import { REPO_ROOT } from '../../hack/cluster.ts';
import { E2E_CLUSTER_ID } from './harness/daas-serve.ts';
import { applyFile, bearer, bearerFromJson, closeReviewAgent, review, staker, UNAUTHORIZED, whoami, type Staker } from './authn-support.ts';
import { ChainWriter } from '../../src/chain/writer.ts';
import { parseSuiPrivateKey } from '../../src/cli/keys.ts';
import { e2eEnv, kubectl, localNetwork, simAdmin, uniqueName, waitFor } from './harness/index.ts';

const now = () => Math.floor(Date.now() / 1000);

async function expectRefused(token: string): Promise<void> {
  const { status, body } = await review(token);
  expect(status).toBe(200);
  expect(body.status).toEqual({ authenticated: false });
  const me = await whoami(token);
  expect(me).toEqual({ error: expect.stringMatching(UNAUTHORIZED) });
}

let alice: Staker;
let good: string;

beforeAll(async () => {
  alice = await staker(2);
  good = await bearer(alice.key, alice.tokenId);
  // Control: the unbroken token works, so each refusal below is about its one defect.
  expect(await whoami(good)).toMatchObject({ username: `sui:${alice.address}` });
});

afterAll(() => closeReviewAgent());

describe('refused at kubectl (401) and at the webhook (authenticated: false, no error)', () => {
  const claims = () => ({ v: 1, aud: E2E_CLUSTER_ID, sub: alice.address, tok: alice.tokenId, iat: now() - 5, exp: now() + 600 });

  it('a forged signature', async () => {
    const [payload, signature] = good.slice(5).split('.') as [string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[20] = bytes[20]! ^ 0xff;
    await expectRefused(`seal_${payload}.${encodeBase64url(bytes)}`);
  });

  it('signed by a key other than sub', async () => {
    await expectRefused(await bearerFromJson(new Ed25519Keypair(), JSON.stringify(claims())));
  });

  it('sub not owning tok', async () => {
    const mallory = await staker(2);
    await expectRefused(await bearer(mallory.key, alice.tokenId));
  });

  it('a wrong aud', async () => {
    await expectRefused(await bearer(alice.key, alice.tokenId, { aud: 'some-other-cluster' }));
  });

  it('expired', async () => {
    await expectRefused(await bearer(alice.key, alice.tokenId, { iat: now() - 900, exp: now() - 120 }));
  });

  it('iat in the future', async () => {
    await expectRefused(await bearer(alice.key, alice.tokenId, { iat: now() + 300, exp: now() + 900 }));
  });

  it('a lifetime over the maximum', async () => {
    await expectRefused(await bearer(alice.key, alice.tokenId, { iat: now() - 5, exp: now() + 3600 }));
  });

  it('an unknown claim', async () => {
    await expectRefused(await bearerFromJson(alice.key, JSON.stringify({ ...claims(), groups: ['system:masters'] })));
  });

  it('duplicate JSON keys', async () => {
    const other = new Ed25519Keypair().toSuiAddress();
    await expectRefused(await bearerFromJson(alice.key, JSON.stringify(claims()).replace('{', `{"sub":"${other}",`)));
  });

  it('oversize', async () => {
    await expectRefused(await bearerFromJson(alice.key, JSON.stringify({ ...claims(), nonce: 'n'.repeat(9000) })));
  });

  it('non-base64url characters or padding', async () => {
    const [payload, signature] = good.slice(5).split('.') as [string, string];
    await expectRefused(`seal_${payload}.${signature}==`);
    await expectRefused(`seal_${payload.slice(0, 10)}+${payload.slice(11)}.${signature}`);
  });

  it('stake slashed', async () => {
    const bob = await staker(5);
    const token = await bearer(bob.key, bob.tokenId);
    await new ChainWriter(localNetwork(), adminKey()).slash(bob.recordId, 'e2e');
    await expectRefused(token);
  });

  it('stake unbonding: refused from the moment unstaking is requested, long before it can be withdrawn', async () => {
    const dave = await staker(2);
    const token = await bearer(dave.key, dave.tokenId);
    const { unlockEpoch } = await dave.writer.requestUnstake(dave.recordId);
    expect(unlockEpoch).toBeGreaterThan(await dave.writer.reader.getEpoch());
    await expectRefused(token);
  });

  it('stake withdrawn', async () => {
    const carol = await staker(2);
    const token = await bearer(carol.key, carol.tokenId);
    await carol.writer.requestUnstake(carol.recordId);
    await simAdmin().advanceEpoch(2);
    await carol.writer.withdraw(carol.recordId);
    await expectRefused(token);
  });

  describe('node claims', () => {
    beforeAll(async () => {
      await applyFile(join(REPO_ROOT, 'crds', 'sealbinding.yaml'));
      await waitFor('the SealBinding CRD', async () => (await kubectl(['get', 'sealbindings'])).code === 0);
    });

    it('without an Active SealBinding', async () => {
      const node = uniqueName('worker');
      const worker = await staker(1, { node });
      await expectRefused(await bearer(worker.key, worker.tokenId, { node }));
    });

    it('for another owner\'s node', async () => {
      const node = uniqueName('worker');
      const owner = await staker(1, { node });
      await bindNode(node, owner);
      // The rightful owner is system:node:<node> ...
      await waitFor('the webhook to see the Active binding', async () => (await review(await bearer(owner.key, owner.tokenId, { node }))).body.status.authenticated);
      expect(await whoami(await bearer(owner.key, owner.tokenId, { node }))).toMatchObject({ username: `system:node:${node}`, groups: expect.arrayContaining(['system:nodes']) });
      // ... a different staker with a node stake of the same name is not.
      const mallory = await staker(1, { node });
      await expectRefused(await bearer(mallory.key, mallory.tokenId, { node }));
    });
  });
});

function adminKey() {
  return parseSuiPrivateKey(e2eEnv().sim.network.adminKey, 'the sim admin key');
}

/** Creates a SealBinding and sets it Active as the controller would (status subresource). */
async function bindNode(node: string, owner: Staker): Promise<void> {
  const binding = {
    apiVersion: SEALBINDING_API_VERSION,
    kind: 'SealBinding',
    metadata: { name: node },
    spec: { nodeName: node, owner: owner.address, stakeRecord: owner.recordId },
  };
  const created = await kubectl(['create', '-f', '-', '-o', 'json'], { input: JSON.stringify(binding) });
  if (created.code !== 0) throw new Error(`create SealBinding: ${created.stderr}`);
  const generation = JSON.parse(created.stdout).metadata.generation;
  const status = { status: { phase: 'Active', observedGeneration: generation } };
  const patched = await kubectl(['patch', 'sealbinding', node, '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
  if (patched.code !== 0) throw new Error(`set SealBinding status: ${patched.stderr}`);
}
