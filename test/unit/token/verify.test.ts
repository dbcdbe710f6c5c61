import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';
import { Secp256r1Keypair } from '@mysten/sui/keypairs/secp256r1';
import { MultiSigPublicKey, MultiSigSigner } from '@mysten/sui/multisig';
import type { Signer } from '@mysten/sui/cryptography';
import { encodeBase64url } from '../../../src/token/base64url.ts';
import { makeSealToken, MAX_TOKEN_BYTES, tokenHash, verifySealToken, type TokenRejectReason } from '../../../src/token/index.ts';
import { API_AUDIENCE, claimsFor, CLUSTER, NOW, newKey, signRawClaims, signSegment, softwarePasskey, TOK, verifyOptions } from './fixtures.ts';

const refusal = async (token: unknown, overrides = {}): Promise<TokenRejectReason | 'accepted' | 'transient'> => {
  const result = await verifySealToken(token, verifyOptions(overrides));
  if (result.ok) return 'accepted';
  return 'transient' in result ? 'transient' : result.reason;
};

describe('verifySealToken: accepted tokens', () => {
  const multisigSigner = (): { signer: Signer; address: string } => {
    const a = new Ed25519Keypair();
    const b = new Secp256k1Keypair();
    const pk = MultiSigPublicKey.fromPublicKeys({ threshold: 2, publicKeys: [{ publicKey: a.getPublicKey(), weight: 1 }, { publicKey: b.getPublicKey(), weight: 1 }] });
    return { signer: new MultiSigSigner(pk, [a, b]), address: pk.toSuiAddress() };
  };

  it.each([
    ['ED25519', () => new Ed25519Keypair()],
    ['Secp256k1', () => new Secp256k1Keypair()],
    ['Secp256r1', () => new Secp256r1Keypair()],
    ['Passkey', () => softwarePasskey()],
  ])('accepts a %s signature by sub', async (scheme, make) => {
    const kp = make() as Signer;
    const token = await makeSealToken(kp, claimsFor(kp));
    const result = await verifySealToken(token, verifyOptions());
    expect(result).toMatchObject({ ok: true, scheme, claims: { sub: kp.toSuiAddress(), tok: TOK }, audiences: [] });
  });

  it('accepts a 2-of-2 multisig signature by the multisig address', async () => {
    const { signer, address } = multisigSigner();
    const token = await makeSealToken(signer, claimsFor(signer, { sub: address }));
    expect(await verifySealToken(token, verifyOptions())).toMatchObject({ ok: true, scheme: 'MultiSig' });
  });

  it('returns the requested audiences that stand for the cluster', async () => {
    const kp = newKey();
    const token = await makeSealToken(kp, claimsFor(kp));
    const result = await verifySealToken(token, verifyOptions({ requestedAudiences: ['other', API_AUDIENCE, CLUSTER] }));
    expect(result).toMatchObject({ ok: true, audiences: [API_AUDIENCE, CLUSTER] });
  });

  it('accepts the skew and lifetime edges', async () => {
    const kp = newKey();
    const edge = claimsFor(kp, { iat: NOW + 60, exp: NOW + 60 + 900 });
    expect(await refusal(await makeSealToken(kp, edge))).toBe('accepted');
    const late = claimsFor(kp, { iat: NOW - 900, exp: NOW - 59 });
    expect(await refusal(await makeSealToken(kp, late))).toBe('accepted');
  });

  it('keeps node and nonce claims', async () => {
    const kp = newKey();
    const token = await makeSealToken(kp, claimsFor(kp, { node: 'worker-1.example', nonce: 'n-1' }));
    expect(await verifySealToken(token, verifyOptions())).toMatchObject({ ok: true, claims: { node: 'worker-1.example', nonce: 'n-1' } });
  });
});

describe('verifySealToken: every refusal of docs/design.md §3, with its reason', () => {
  let kp: Ed25519Keypair;
  let good: string;
  const raw = (fields: Record<string, unknown>): string => JSON.stringify({ ...claimsFor(kp), ...fields });

  beforeAll(async () => {
    kp = newKey();
    good = await makeSealToken(kp, claimsFor(kp));
  });

  it('refuses an oversize token before anything else', async () => {
    expect(await refusal(`seal_${'A'.repeat(MAX_TOKEN_BYTES)}`)).toBe('oversize');
    expect(await refusal(good + 'A'.repeat(MAX_TOKEN_BYTES))).toBe('oversize');
  });

  it('refuses a wrong prefix or a non-string', async () => {
    expect(await refusal(good.replace('seal_', 'Seal_'))).toBe('bad_prefix');
    expect(await refusal(good.slice(5))).toBe('bad_prefix');
    expect(await refusal(`Bearer ${good}`)).toBe('bad_prefix');
    expect(await refusal(42)).toBe('bad_prefix');
  });

  it('refuses anything but exactly two segments', async () => {
    expect(await refusal(good.replace('.', ''))).toBe('bad_segments');
    expect(await refusal(`${good}.x`)).toBe('bad_segments');
    expect(await refusal(`${good}.`)).toBe('bad_segments');
  });

  it('refuses non-base64url characters, padding and non-canonical spellings', async () => {
    const [claims, signature] = good.slice(5).split('.') as [string, string];
    expect(await refusal(`seal_${claims}=.${signature}`)).toBe('bad_base64url');
    expect(await refusal(`seal_${claims}.${signature}==`)).toBe('bad_base64url');
    expect(await refusal(`seal_${claims.slice(0, 4)}+${claims.slice(5)}.${signature}`)).toBe('bad_base64url');
    expect(await refusal(`seal_${claims.slice(0, 4)}/${claims.slice(5)}.${signature}`)).toBe('bad_base64url');
    expect(await refusal(`seal_${claims}.${signature.slice(0, -1)}+`)).toBe('bad_base64url');
    expect(await refusal(`seal_${claims} .${signature}`)).toBe('bad_base64url');
    expect(await refusal(`seal_.${signature}`)).toBe('bad_base64url');
    // Same bytes, other spelling: set a spare bit of the last character ('{"v":1}' is 7 bytes, 4 spare bits).
    const nonCanonical = `seal_${encodeBase64url(Buffer.from('{"v":1}'))}`;
    const bumped = nonCanonical.slice(0, -1) + String.fromCharCode(nonCanonical.charCodeAt(nonCanonical.length - 1) + 1);
    expect(await refusal(`${bumped}.${signature}`)).toBe('bad_base64url');
  });

  it('refuses claims that are not UTF-8 or not JSON', async () => {
    expect(await refusal(await signSegment(kp, encodeBase64url(new Uint8Array([0x7b, 0xff, 0x7d]))))).toBe('bad_utf8');
    expect(await refusal(await signRawClaims(kp, 'not json'))).toBe('bad_json');
    expect(await refusal(await signRawClaims(kp, '[1,2]'))).toBe('bad_json');
    expect(await refusal(await signRawClaims(kp, `\ufeff${raw({})}`))).toBe('bad_json');
  });

  it('refuses duplicate JSON keys even when both values are equal', async () => {
    const json = raw({});
    expect(await refusal(await signRawClaims(kp, json.replace('{', `{"sub":"${kp.toSuiAddress()}",`)))).toBe('duplicate_key');
    expect(await refusal(await signRawClaims(kp, json.replace('{', `{"\\u0061ud":"x",`)))).toBe('duplicate_key');
  });

  it('refuses unknown and missing claims', async () => {
    expect(await refusal(await signRawClaims(kp, raw({ groups: ['system:masters'] })))).toBe('unknown_claim');
    expect(await refusal(await signRawClaims(kp, raw({ __proto__x: 1 })))).toBe('unknown_claim');
    const { tok: _tok, ...withoutTok } = claimsFor(kp);
    expect(await refusal(await signRawClaims(kp, JSON.stringify(withoutTok)))).toBe('missing_claim');
  });

  it.each([
    ['sub in upper case', (k: Signer) => ({ sub: k.toSuiAddress().toUpperCase().replace('0X', '0x') })],
    ['short sub', () => ({ sub: '0x2' })],
    ['tok not an id', () => ({ tok: 'abc' })],
    ['iat as a string', () => ({ iat: String(NOW) })],
    ['exp negative', () => ({ exp: -1 })],
    ['aud empty', () => ({ aud: '' })],
    ['aud with a space', () => ({ aud: 'daas test' })],
    ['node not DNS-1123', () => ({ node: 'Worker_1' })],
    ['nonce too long', () => ({ nonce: 'n'.repeat(129) })],
    ['v as a string', () => ({ v: '1' })],
    ['null value', () => ({ exp: null })],
  ])('refuses a wrong type or format: %s', async (_name, fields) => {
    expect(await refusal(await signRawClaims(kp, raw(fields(kp))))).toBe('bad_claim');
  });

  it('refuses non-integer times, including 1.0 and exponents', async () => {
    const json = raw({});
    expect(await refusal(await signRawClaims(kp, json.replace(`"iat":${NOW - 10}`, `"iat":${NOW - 10}.0`)))).toBe('bad_claim');
    expect(await refusal(await signRawClaims(kp, json.replace(`"exp":${NOW + 590}`, '"exp":1.8e9')))).toBe('bad_claim');
  });

  it('refuses another version', async () => {
    expect(await refusal(await signRawClaims(kp, raw({ v: 2 })))).toBe('bad_version');
  });

  it('refuses an audience that is not ours, or not among the requested ones', async () => {
    expect(await refusal(await makeSealToken(kp, claimsFor(kp, { aud: 'other-cluster' })))).toBe('unknown_audience');
    expect(await refusal(good, { requestedAudiences: ['https://elsewhere'] })).toBe('audience_mismatch');
  });

  it('refuses iat in the future, expired, inverted and over-long lifetimes', async () => {
    expect(await refusal(await makeSealToken(kp, claimsFor(kp, { iat: NOW + 61, exp: NOW + 600 })))).toBe('not_yet_valid');
    expect(await refusal(await makeSealToken(kp, claimsFor(kp, { iat: NOW - 700, exp: NOW - 60 })))).toBe('expired');
    expect(await refusal(await makeSealToken(kp, claimsFor(kp, { iat: NOW, exp: NOW })))).toBe('bad_lifetime');
    expect(await refusal(await makeSealToken(kp, claimsFor(kp, { iat: NOW - 10, exp: NOW + 891 })))).toBe('lifetime_too_long');
  });

  it('refuses a forged signature', async () => {
    const [claims, signature] = good.slice(5).split('.') as [string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10] = bytes[10]! ^ 0x01;
    expect(await refusal(`seal_${claims}.${encodeBase64url(bytes)}`)).toBe('bad_signature');
    // A valid signature over other claims.
    const other = await makeSealToken(kp, claimsFor(kp, { nonce: 'other' }));
    expect(await refusal(`seal_${claims}.${other.split('.')[1]}`)).toBe('bad_signature');
    // Truncated, extended, unknown scheme flag.
    expect(await refusal(`seal_${claims}.${encodeBase64url(bytes.subarray(0, 60))}`)).toBe('bad_signature');
    expect(await refusal(`seal_${claims}.${encodeBase64url(Buffer.concat([Buffer.from(signature, 'base64url'), Buffer.from([0])]))}`)).toBe('bad_signature');
    expect(await refusal(`seal_${claims}.${encodeBase64url(Buffer.from([9, ...bytes.subarray(1)]))}`)).toBe('bad_signature');
  });

  it('refuses a valid signature by a key other than sub', async () => {
    const mallory = newKey();
    expect(await refusal(await signRawClaims(mallory, raw({})))).toBe('wrong_signer');
  });

  // Every scheme but Ed25519 is checked by the SDK, which is handed `sub`: without it, a signature by
  // any key would pass. Each case signs sub's claims with a valid signature of another key.
  const multisigOf = (...members: Signer[]): { signer: Signer; address: string } => {
    const pk = MultiSigPublicKey.fromPublicKeys({ threshold: members.length, publicKeys: members.map((m) => ({ publicKey: m.getPublicKey(), weight: 1 })) });
    return { signer: new MultiSigSigner(pk, members), address: pk.toSuiAddress() };
  };
  it.each([
    ['Secp256k1', () => new Secp256k1Keypair()],
    ['Secp256r1', () => new Secp256r1Keypair()],
    ['Passkey', () => softwarePasskey()],
    ['MultiSig', () => multisigOf(new Ed25519Keypair(), new Secp256k1Keypair()).signer],
  ])('refuses a valid %s signature by a key other than sub', async (_scheme, make) => {
    const victim = make() as Signer;
    const mallory = make() as Signer;
    const victimClaims = JSON.stringify(claimsFor(victim, { sub: victim.toSuiAddress() }));
    // Sanity: the same claims signed by the victim pass, so the refusal below is about the signer.
    expect(await refusal(await signRawClaims(victim, victimClaims))).toBe('accepted');
    expect(await refusal(await signRawClaims(mallory, victimClaims))).toBe('wrong_signer');
  });

  it('refuses a multisig or passkey signature with bytes after its BCS value (one signature, one spelling)', async () => {
    for (const signer of [multisigOf(new Ed25519Keypair(), new Secp256k1Keypair()).signer, softwarePasskey() as Signer]) {
      const token = await makeSealToken(signer, claimsFor(signer, { sub: signer.toSuiAddress() }));
      expect(await refusal(token)).toBe('accepted');
      const [claims, signature] = token.slice(5).split('.') as [string, string];
      const padded = encodeBase64url(Buffer.concat([Buffer.from(signature, 'base64url'), Buffer.from([0, 0, 0])]));
      expect(await refusal(`seal_${claims}.${padded}`)).toBe('bad_signature');
    }
  });

  it('refuses a multisig whose members overlap sub\'s multisig but whose key set differs', async () => {
    const shared = new Ed25519Keypair();
    const victim = multisigOf(shared, new Secp256r1Keypair());
    const mallory = multisigOf(shared, new Secp256r1Keypair());
    const claims = JSON.stringify(claimsFor(victim.signer, { sub: victim.address }));
    expect(await refusal(await signRawClaims(mallory.signer, claims))).toBe('wrong_signer');
  });

  it('refuses zkLogin signatures: not supported', async () => {
    const [claims] = good.slice(5).split('.') as [string];
    expect(await refusal(`seal_${claims}.${encodeBase64url(new Uint8Array([5, 1, 2, 3]))}`)).toBe('zklogin_unsupported');
  });
});

describe('makeSealToken and tokenHash', () => {
  it('refuses to make a token it would refuse to parse', async () => {
    const kp = newKey();
    await expect(makeSealToken(kp, claimsFor(kp, { aud: '' }))).rejects.toThrow(/invalid claims/);
    await expect(makeSealToken(kp, claimsFor(newKey()))).rejects.toThrow(/signer/);
  });

  it('hashes to a short hex id that does not contain the token', async () => {
    const kp = newKey();
    const token = await makeSealToken(kp, claimsFor(kp));
    expect(tokenHash(token)).toMatch(/^[0-9a-f]{16}$/);
    expect(token).not.toContain(tokenHash(token));
  });
});
