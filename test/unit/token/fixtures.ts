/** Test helpers: keys, claims and raw token assembly (including tokens makeSealToken would refuse). */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { PasskeyKeypair } from '@mysten/sui/keypairs/passkey';
import type { Signer } from '@mysten/sui/cryptography';
import { encodeBase64url } from '../../../src/token/base64url.ts';
import type { SealClaims } from '../../../src/token/claims.ts';
import type { VerifyOptions } from '../../../src/token/verify.ts';

export const NOW = 1_800_000_000;
export const CLUSTER = 'daas-test';
export const API_AUDIENCE = 'https://kubernetes.default.svc';
export const TOK = `0x${'ab'.repeat(32)}`;

export function claimsFor(kp: Signer, overrides: Partial<SealClaims> = {}): SealClaims {
  return { v: 1, aud: CLUSTER, sub: kp.toSuiAddress(), tok: TOK, iat: NOW - 10, exp: NOW + 590, ...overrides };
}

export function verifyOptions(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    clusters: [{ id: CLUSTER, apiAudiences: [API_AUDIENCE] }],
    now: NOW,
    skewSeconds: 60,
    maxLifetimeSeconds: 900,
    ...overrides,
  };
}

/** Signs arbitrary claim JSON text exactly as makeSealToken signs canonical claims. */
export async function signRawClaims(kp: Signer, json: string): Promise<string> {
  const segment = encodeBase64url(new TextEncoder().encode(json));
  return signSegment(kp, segment);
}

export async function signSegment(kp: Signer, segment: string): Promise<string> {
  const { signature } = await kp.signPersonalMessage(new TextEncoder().encode(segment));
  return `seal_${segment}.${encodeBase64url(Buffer.from(signature, 'base64'))}`;
}

export const newKey = (): Ed25519Keypair => new Ed25519Keypair();

/**
 * A passkey signer backed by a software WebAuthn authenticator (P-256 from node:crypto), so the SDK's
 * real PasskeyKeypair/PasskeyPublicKey code signs and verifies without a browser.
 */
export function softwarePasskey(): PasskeyKeypair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  const compressed = new Uint8Array([(y[y.length - 1]! & 1) === 1 ? 3 : 2, ...x]);
  const authenticatorData = new Uint8Array([...createHash('sha256').update('daas.test').digest(), 0x05, 0, 0, 0, 1]);
  const provider = {
    create: async () => {
      throw new Error('not used');
    },
    get: async (challenge: Uint8Array) => {
      const clientDataJSON = Buffer.from(
        JSON.stringify({ type: 'webauthn.get', challenge: Buffer.from(challenge).toString('base64url'), origin: 'https://daas.test' }),
      );
      const signed = Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]);
      const signature = sign('sha256', signed, privateKey);
      return { response: { authenticatorData, clientDataJSON, signature } };
    },
  };
  return new PasskeyKeypair(compressed, provider as unknown as ConstructorParameters<typeof PasskeyKeypair>[1]);
}
