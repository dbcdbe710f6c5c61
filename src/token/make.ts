/**
 * Making seal tokens: `makeSealToken(signer, claims)` signs the canonical claim JSON as a Sui
 * personal message. The claims go through the verifier's own schema first, so a token we make is
 * one we would parse.
 */
import { checkClaimsShape, SEAL_TOKEN_VERSION, serializeClaims, type SealClaims } from './claims.ts';
import { encodeBase64url } from './base64url.ts';
import { MAX_TOKEN_BYTES, SEAL_TOKEN_PREFIX } from './parse.ts';
import { parseStrictJson } from './strict-json.ts';

/** What signing needs: a Sui keypair (`Ed25519Keypair`, …) or any wallet-like signer. */
export interface PersonalMessageSigner {
  signPersonalMessage(bytes: Uint8Array): Promise<{ signature: string }>;
  toSuiAddress(): string;
}

export async function makeSealToken(signer: PersonalMessageSigner, claims: SealClaims): Promise<string> {
  const json = serializeClaims(claims);
  const shape = checkClaimsShape(parseStrictJson(json));
  if (!shape.ok) throw new Error(`refusing to make a seal token with invalid claims (${shape.reason})`);
  if (claims.sub !== signer.toSuiAddress()) throw new Error('claims.sub must be the signer\'s address');
  const claimsSegment = encodeBase64url(new TextEncoder().encode(json));
  const { signature } = await signer.signPersonalMessage(new TextEncoder().encode(claimsSegment));
  const token = `${SEAL_TOKEN_PREFIX}${claimsSegment}.${encodeBase64url(Buffer.from(signature, 'base64'))}`;
  if (token.length > MAX_TOKEN_BYTES) throw new Error(`seal token would exceed ${MAX_TOKEN_BYTES} bytes`);
  return token;
}

export interface NewClaimsInput {
  cluster: string;
  sub: string;
  sealToken: string;
  ttlSeconds: number;
  node?: string;
  nonce?: string;
  /** Unix seconds; defaults to the clock. */
  now?: number;
}

/** The claims for a fresh token valid for `ttlSeconds` from now. */
export function newClaims(input: NewClaimsInput): SealClaims {
  const iat = input.now ?? Math.floor(Date.now() / 1000);
  const claims: SealClaims = {
    v: SEAL_TOKEN_VERSION,
    aud: input.cluster,
    sub: input.sub,
    tok: input.sealToken,
    iat,
    exp: iat + input.ttlSeconds,
  };
  if (input.node !== undefined) claims.node = input.node;
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  return claims;
}
