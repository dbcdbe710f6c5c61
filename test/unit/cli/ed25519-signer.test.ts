/**
 * The exec plugin's OpenSSL ed25519 path must make exactly the token the Sui SDK makes (ed25519 is
 * deterministic, so byte for byte), for keys given as suiprivkey and as keystore entries, and must
 * leave every other case (other schemes, an address that does not match, several keys and none
 * chosen, broken files) to the SDK path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';
import { Ed25519Signer, plainEd25519Signer } from '../../../src/cli/ed25519-signer.ts';
import { makeSealToken, newClaims } from '../../../src/token/make.ts';
import { verifyEd25519PersonalMessage } from '../../../src/token/ed25519-native.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'daas-ed25519-signer-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (k: Ed25519Keypair | Secp256k1Keypair, flag: number) => Buffer.from([flag, ...decodeSuiPrivateKey(k.getSecretKey()).secretKey]).toString('base64');

it('signs exactly as the SDK does, for any seed and message', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), async (seed, message) => {
      const sdk = Ed25519Keypair.fromSecretKey(seed);
      const ours = new Ed25519Signer(seed);
      expect(ours.toSuiAddress()).toBe(sdk.toSuiAddress());
      expect((await ours.signPersonalMessage(message)).signature).toBe((await sdk.signPersonalMessage(message)).signature);
    }),
    { numRuns: 40 },
  );
});

it('makes the same seal token as the SDK, and one the verifier accepts', async () => {
  const sdk = Ed25519Keypair.generate();
  const claims = newClaims({ cluster: 'c1', sub: sdk.toSuiAddress(), sealToken: `0x${'a'.repeat(64)}`, ttlSeconds: 600, now: 1_800_000_000 });
  const ours = plainEd25519Signer({ key: sdk.getSecretKey() })!;
  const token = await makeSealToken(ours, claims);
  expect(token).toBe(await makeSealToken(sdk, claims));
  const [claimsSegment, signature] = token.slice('seal_'.length).split('.');
  const bytes = Buffer.from(signature!, 'base64url');
  expect(verifyEd25519PersonalMessage(new TextEncoder().encode(claimsSegment), bytes.subarray(1, 65), bytes.subarray(65))).toBe(true);
});

it('takes the key from --key, DAAS_KEY and keystores the way loadSigner does', () => {
  const a = Ed25519Keypair.generate();
  const b = Ed25519Keypair.generate();
  const one = join(dir, 'one.keystore');
  const two = join(dir, 'two.keystore');
  writeFileSync(one, JSON.stringify([entry(a, 0)]));
  writeFileSync(two, JSON.stringify([entry(a, 0), b.getSecretKey()]));
  expect(plainEd25519Signer({ env: { DAAS_KEY: a.getSecretKey() } })?.toSuiAddress()).toBe(a.toSuiAddress());
  expect(plainEd25519Signer({ keystore: one })?.toSuiAddress()).toBe(a.toSuiAddress());
  expect(plainEd25519Signer({ keystore: two, address: b.toSuiAddress() })?.toSuiAddress()).toBe(b.toSuiAddress());
  expect(plainEd25519Signer({ keystore: two, address: a.toSuiAddress().toUpperCase().replace('0X', '0x') })?.toSuiAddress()).toBe(a.toSuiAddress());
});

it.each([
  ['a secp256k1 key', () => ({ key: Secp256k1Keypair.generate().getSecretKey() })],
  ['an address that is not the key\'s', () => ({ key: Ed25519Keypair.generate().getSecretKey(), address: Ed25519Keypair.generate().toSuiAddress() })],
  ['--key and --keystore together', () => ({ key: Ed25519Keypair.generate().getSecretKey(), keystore: join(dir, 'one.keystore') })],
  ['a keystore of several keys and no address', () => ({ keystore: join(dir, 'two.keystore') })],
  ['a keystore holding another scheme', () => {
    const file = join(dir, 'mixed.keystore');
    writeFileSync(file, JSON.stringify([entry(Ed25519Keypair.generate(), 0), entry(Secp256k1Keypair.generate(), 1)]));
    return { keystore: file, address: `0x${'1'.repeat(64)}` };
  }],
  ['a missing keystore', () => ({ keystore: join(dir, 'missing.keystore') })],
  ['a malformed key', () => ({ key: 'suiprivkey1qqqq' })],
  ['no key at all', () => ({ env: {} })],
])('leaves %s to the SDK path', (_what, sources) => {
  expect(plainEd25519Signer(sources())).toBeUndefined();
});
