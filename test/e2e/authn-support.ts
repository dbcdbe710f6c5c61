/**
 * Helpers of the authn e2e tests: stakers with seal tokens on the run's sui-sim, bearer tokens (also
 * deliberately broken ones), TokenReviews sent to the webhook exactly as kube-apiserver sends them
 * (its client certificate, its audience), and kubectl as the staker.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { Signer } from '@mysten/sui/cryptography';
import type { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { ChainWriter } from '../../src/chain/writer.ts';
import { MIST_PER_SUI, type StakeKindName } from '../../src/chain/schema.ts';
import type { NetworkConfig } from '../../src/chain/network.ts';
import { encodeBase64url } from '../../src/token/base64url.ts';
import { makeSealToken, newClaims, type SealClaims } from '../../src/token/index.ts';
import { e2eEnv, fundedKey, kubectl, localNetwork } from './harness/index.ts';
import { E2E_API_AUDIENCE, E2E_CLUSTER_ID, type DaasServeEnv } from './harness/daas-serve.ts';

export function daasEnv(): DaasServeEnv {
  const { webhook } = e2eEnv();
  if (webhook.kind !== 'daas-auth') throw new Error('the e2e run\'s token webhook is not daas-auth serve (test/e2e/harness/daas-serve.ts)');
  return webhook;
}

export interface Staker {
  key: Ed25519Keypair;
  address: string;
  recordId: string;
  tokenId: string;
  writer: ChainWriter;
}

/** A fresh key that stakes `sui` SUI (user kind unless `node` is given) and mints a SealToken. */
export async function staker(sui: number, options: { node?: string; kind?: StakeKindName; net?: NetworkConfig } = {}): Promise<Staker> {
  const net = options.net ?? localNetwork();
  const key = await fundedKey(BigInt(Math.ceil(sui)) + 5n);
  const writer = new ChainWriter(net, key);
  const kind = options.kind ?? (options.node ? 'node' : 'user');
  const mist = (BigInt(Math.round(sui * 1000)) * MIST_PER_SUI) / 1000n;
  const { recordId } = await writer.stake({ mist, kind, ...(options.node ? { nodeId: options.node } : {}) });
  const { tokenId } = await writer.createSealToken(recordId);
  return { key, address: key.toSuiAddress(), recordId, tokenId, writer };
}

/** A valid bearer token for the run's cluster (override claims to break it). */
export async function bearer(signer: Signer, tokenId: string, overrides: Partial<SealClaims> = {}): Promise<string> {
  const claims = { ...newClaims({ cluster: E2E_CLUSTER_ID, sub: signer.toSuiAddress(), sealToken: tokenId, ttlSeconds: 600 }), ...overrides };
  return makeSealToken(signer, claims);
}

/** Signs arbitrary claim JSON text (for tokens makeSealToken refuses to make). */
export async function bearerFromJson(signer: Signer, json: string): Promise<string> {
  const segment = encodeBase64url(new TextEncoder().encode(json));
  const { signature } = await signer.signPersonalMessage(new TextEncoder().encode(segment));
  return `seal_${segment}.${encodeBase64url(Buffer.from(signature, 'base64'))}`;
}

export interface ReviewStatus {
  authenticated: boolean;
  user?: { username: string; uid: string; groups: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
  error?: string;
}

let agent: Agent | undefined;
function apiserverAgent(): Agent {
  const { webhook } = e2eEnv().cluster;
  agent ??= new Agent({
    keepAlive: true,
    ca: readFileSync(webhook.caFile),
    cert: readFileSync(webhook.clientCertFile),
    key: readFileSync(webhook.clientKeyFile),
  });
  return agent;
}

/** POST /authenticate to `url` (default: the run's webhook) as kube-apiserver does, with its audience. */
export function review(
  token: string,
  options: { url?: string; apiVersion?: string; audiences?: string[] } = {},
): Promise<{ status: number; body: { apiVersion: string; status: ReviewStatus } }> {
  const body = JSON.stringify({
    apiVersion: options.apiVersion ?? 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    metadata: { creationTimestamp: null },
    spec: { token, audiences: options.audiences ?? [E2E_API_AUDIENCE] },
    status: { user: {} },
  });
  return new Promise((resolve, reject) => {
    const req = request(`${options.url ?? daasEnv().url}/authenticate`, { method: 'POST', agent: apiserverAgent(), headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          reject(new Error(`webhook answered ${res.statusCode}: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function closeReviewAgent(): void {
  agent?.destroy();
  agent = undefined;
}

/** `kubectl auth whoami` as the token's holder: the user info, or null with kubectl's error. */
export async function whoami(token: string): Promise<{ username: string; groups: string[]; uid?: string } | { error: string }> {
  const r = await kubectl(['auth', 'whoami', '-o', 'json'], { token });
  if (r.code !== 0) return { error: r.stderr.trim() };
  return JSON.parse(r.stdout).status.userInfo;
}

/** kubectl 1.34's wording of a 401. */
export const UNAUTHORIZED = /You must be logged in to the server/;

/** `kubectl auth can-i VERB RESOURCE` as the token's holder. */
export async function canI(token: string, verb: string, resource: string, namespace = 'default'): Promise<boolean> {
  const r = await kubectl(['auth', 'can-i', verb, resource, ...(namespace ? ['-n', namespace] : [])], { token });
  if (r.stdout.trim() === 'yes') return true;
  if (r.stdout.trim() === 'no') return false;
  throw new Error(`kubectl auth can-i ${verb} ${resource}: ${r.stderr.trim()}`);
}

/** Applies a manifest file as the admin (idempotent). */
export async function applyFile(file: string): Promise<void> {
  const r = await kubectl(['apply', '-f', file]);
  if (r.code !== 0) throw new Error(`kubectl apply -f ${file}: ${r.stderr}`);
}
