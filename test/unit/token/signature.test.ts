import fc from 'fast-check';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { isValidPersonalMessageSignature } from '@mysten/sui/verify';
import { ed25519Address, verifyEd25519PersonalMessage } from '../../../src/token/ed25519-native.ts';

const keys = Array.from({ length: 4 }, () => new Ed25519Keypair());

/** The SDK's verdict and the native one, for one (message, serialized signature) pair. */
async function verdicts(message: Uint8Array, serialized: Uint8Array): Promise<[boolean, boolean]> {
  const sdk = await isValidPersonalMessageSignature(message, Buffer.from(serialized).toString('base64'));
  const native = verifyEd25519PersonalMessage(message, serialized.subarray(1, 65), serialized.subarray(65));
  return [sdk, native];
}

describe('native ed25519 personal-message verification', () => {
  it('agrees with the SDK on valid and tampered signatures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.nat(3),
        fc.constantFrom('none', 'signature', 'message', 'key'),
        fc.nat(),
        async (message, who, tamper, where) => {
          const kp = keys[who]!;
          const { signature } = await kp.signPersonalMessage(message);
          const serialized = new Uint8Array(Buffer.from(signature, 'base64'));
          let checked = message;
          if (tamper === 'signature') serialized[1 + (where % 64)]! ^= 1 << (where % 8);
          if (tamper === 'key') serialized.set(keys[(who + 1) % keys.length]!.getPublicKey().toRawBytes(), 65);
          if (tamper === 'message') checked = new Uint8Array([...message, where % 256]);
          const [sdk, native] = await verdicts(checked, serialized);
          expect(native).toBe(sdk);
          expect(native).toBe(tamper === 'none');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses malformed keys and lengths instead of throwing', () => {
    const message = new Uint8Array([1, 2, 3]);
    expect(verifyEd25519PersonalMessage(message, new Uint8Array(64), new Uint8Array(32).fill(0xff))).toBe(false);
    expect(verifyEd25519PersonalMessage(message, new Uint8Array(63), new Uint8Array(32))).toBe(false);
    expect(verifyEd25519PersonalMessage(message, new Uint8Array(64), new Uint8Array(31))).toBe(false);
  });

  it('derives the same address as the SDK', () => {
    for (const kp of keys) expect(ed25519Address(kp.getPublicKey().toRawBytes())).toBe(kp.toSuiAddress());
  });
});
