/**
 * Issue 9 items 5, 7 and 12 through the real kube-apiserver, sui-sim and `daas-auth serve`:
 *
 * - one webhook serves the run's cluster and a peer cluster (E2E_PEER_CLUSTER, known by its apiserver's
 *   client certificate); a token for the peer is refused when the run's kube-apiserver reviews it, and a
 *   token for the run's cluster is refused in a review made with the peer's client certificate;
 * - the admission paths require the apiserver's client certificate — kube-apiserver presents it
 *   (hack/lib/components.ts AdmissionConfiguration) and gets a verdict; a caller without one gets 401;
 * - a valid signature by another key, for each non-Ed25519 scheme, is refused through kubectl.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { dirname, join } from 'node:path';
import type { Signer } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';
import { Secp256r1Keypair } from '@mysten/sui/keypairs/secp256r1';
import { MultiSigPublicKey, MultiSigSigner } from '@mysten/sui/multisig';
import { makeLeaf } from '../../hack/lib/pki.ts';
import { ADMISSION_PATHS } from '../../src/admission/router.ts';
import { newClaims } from '../../src/token/index.ts';
import { tokenHash } from '../../src/token/hash.ts';
import { softwarePasskey } from '../unit/token/fixtures.ts';
import { bearer, bearerFromJson, closeReviewAgent, daasEnv, review, staker, UNAUTHORIZED, whoami } from './authn-support.ts';
import { E2E_API_AUDIENCE, E2E_CLUSTER_ID, E2E_PEER_CLUSTER } from './harness/daas-serve.ts';
import { e2eEnv, kubectl, uniqueName, waitFor } from './harness/index.ts';

let peerAgent: Agent;
let anonymousAgent: Agent;

beforeAll(async () => {
  const { webhook } = e2eEnv().cluster;
  // The peer cluster's apiserver: a client certificate from the same CA as the run's, with the peer's CN.
  const pki = dirname(webhook.clientCaFile);
  const peer = await makeLeaf(pki, { cert: webhook.clientCaFile, key: join(pki, 'ca.key') }, { name: uniqueName('peer-apiserver'), subject: { cn: E2E_PEER_CLUSTER.clientCommonNames[0]! }, usage: 'client' });
  peerAgent = new Agent({ keepAlive: true, ca: readFileSync(webhook.caFile), cert: readFileSync(peer.cert), key: readFileSync(peer.key) });
  anonymousAgent = new Agent({ keepAlive: false, ca: readFileSync(webhook.caFile) });
});

afterAll(() => {
  peerAgent.destroy();
  anonymousAgent.destroy();
  closeReviewAgent();
});

/** POST `body` to the webhook with `agent`; status and parsed JSON. */
function post(agent: Agent, path: string, body: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const req = request(`${daasEnv().url}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const tokenReview = (token: string, audiences?: string[]) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } });

/** The webhook's audit results for one token. */
function auditResults(token: string): string[] {
  const hash = tokenHash(token);
  return readFileSync(daasEnv().logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(hash))
    .map((line) => JSON.parse(line) as { audit?: string; result: string; tokenHash?: string })
    .filter((entry) => entry.audit === 'tokenreview' && entry.tokenHash === hash)
    .map((entry) => entry.result);
}

describe('cross-cluster replay', () => {
  it('refuses a peer cluster token sent through the run\'s kube-apiserver, and the reverse with the peer\'s certificate', async () => {
    const s = await staker(2);
    const peerToken = await bearer(s.key, s.tokenId, { aud: E2E_PEER_CLUSTER.id });
    const ownToken = await bearer(s.key, s.tokenId);

    // The peer token is genuine: its own cluster's apiserver gets a yes.
    expect((await post(peerAgent, '/authenticate', tokenReview(peerToken))).json.status.authenticated).toBe(true);
    // Replayed against the run's cluster through the real kube-apiserver: 401.
    expect(await whoami(peerToken)).toEqual({ error: expect.stringMatching(UNAUTHORIZED) });
    await waitFor('the replay\'s audit line', async () => auditResults(peerToken).includes('wrong_cluster'), { timeoutMs: 5_000, intervalMs: 50 });

    // The run's token works through kube-apiserver, and is refused when the peer's apiserver sends it,
    // even naming the run's API audience (now cached, so the cached path is held to the cluster too).
    expect(await whoami(ownToken)).toMatchObject({ username: `sui:${s.address}` });
    const replay = await post(peerAgent, '/authenticate', tokenReview(ownToken, [E2E_API_AUDIENCE, ...E2E_PEER_CLUSTER.apiAudiences]));
    expect(replay).toEqual({ status: 200, json: expect.objectContaining({ status: { authenticated: false } }) });
    // The per-cluster path cannot be used to pass for the other cluster: the certificate decides.
    expect((await post(peerAgent, `/authenticate/${E2E_CLUSTER_ID}`, tokenReview(ownToken))).status).toBe(403);
    s.writer.close();
  });
});

describe('admission endpoints', () => {
  const admissionReview = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'e2e', kind: { group: '', version: 'v1', kind: 'Node' }, resource: { group: '', version: 'v1', resource: 'nodes' }, operation: 'CREATE', object: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'probe' } } },
  };

  it('refuse a caller without the apiserver\'s client certificate, on every webhook path', async () => {
    for (const path of [ADMISSION_PATHS.nodes, ADMISSION_PATHS.sealBindings, '/authenticate']) {
      expect(await post(anonymousAgent, path, admissionReview)).toEqual({ status: 401, json: { error: 'a client certificate signed by the configured CA is required' } });
    }
  });

  it('answer kube-apiserver, which presents its client certificate through its AdmissionConfiguration', async () => {
    const node = uniqueName('no-binding');
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: node, annotations: { 'kwok.x-k8s.io/node': 'fake' } } });
    const created = await kubectl(['create', '-f', '-'], { input: manifest });
    expect(created.code).not.toBe(0);
    // A verdict of our webhook, not "failed calling webhook" (which a refused TLS client would cause).
    expect(created.stderr).toContain('admission webhook "nodes.admission.daas.io" denied the request');
    expect(created.stderr).toContain(`node ${node} has no SealBinding`);
  });
});

describe('a valid signature by another key is refused for every scheme', () => {
  const multisig = (): Signer => {
    const members = [new Ed25519Keypair(), new Secp256r1Keypair()];
    const pk = MultiSigPublicKey.fromPublicKeys({ threshold: 2, publicKeys: members.map((m) => ({ publicKey: m.getPublicKey(), weight: 1 })) });
    return new MultiSigSigner(pk, members);
  };

  it.each([
    ['Secp256k1', () => new Secp256k1Keypair() as Signer],
    ['Secp256r1', () => new Secp256r1Keypair() as Signer],
    ['Passkey', () => softwarePasskey() as Signer],
    ['MultiSig', multisig],
  ])('%s: kubectl gets 401 and the audit says wrong_signer', async (_scheme, mallory) => {
    const victim = await staker(1);
    const claims = newClaims({ cluster: E2E_CLUSTER_ID, sub: victim.address, sealToken: victim.tokenId, ttlSeconds: 600 });
    const forged = await bearerFromJson(mallory(), JSON.stringify(claims));
    expect(await whoami(forged)).toEqual({ error: expect.stringMatching(UNAUTHORIZED) });
    await waitFor('the audit line', async () => auditResults(forged).length > 0, { timeoutMs: 5_000, intervalMs: 50 });
    expect(auditResults(forged)).toContain('wrong_signer');
    expect((await review(forged)).body.status).toEqual({ authenticated: false });
    victim.writer.close();
  });
});
