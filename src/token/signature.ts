/**
 * docs/design.md §3 step 3: the token's signature is a Sui personal-message signature over the ASCII bytes
 * of `<claims>`, made by the address `sub`. ed25519 verifies natively (ed25519-native.ts);
 * secp256k1, secp256r1, multisig and passkey verify locally through the SDK, which is handed `sub`
 * and checks that the signing key (or multisig key set) derives it — test/unit/token/signature.test.ts
 * holds every scheme to a wrong-signer refusal.
 *
 * zkLogin is not supported: it needs a full node (JWKs, epoch) and sui-sim cannot verify it, so
 * nothing would test it. A zkLogin signature, or a multisig with a zkLogin member, is refused.
 */
import { bcs } from '@mysten/sui/bcs';
import { parseSerializedSignature } from '@mysten/sui/cryptography';
import { MultiSigPublicKey } from '@mysten/sui/multisig';
import { isValidPersonalMessageSignature, publicKeyFromRawBytes } from '@mysten/sui/verify';
import { ed25519Address, verifyEd25519PersonalMessage } from './ed25519-native.ts';
import type { TokenRejectReason } from './reasons.ts';

export type SignatureSchemeName = 'ED25519' | 'Secp256k1' | 'Secp256r1' | 'MultiSig' | 'ZkLogin' | 'Passkey';

const FLAGS: Record<number, SignatureSchemeName> = {
  0: 'ED25519',
  1: 'Secp256k1',
  2: 'Secp256r1',
  3: 'MultiSig',
  5: 'ZkLogin',
  6: 'Passkey',
};
/** flag + 64-byte signature + public key, for the plain key schemes. */
const PLAIN_SIZES: Partial<Record<SignatureSchemeName, number>> = {
  ED25519: 1 + 64 + 32,
  Secp256k1: 1 + 64 + 33,
  Secp256r1: 1 + 64 + 33,
};

/**
 * Multisig and passkey signatures are BCS values after the flag. The SDK's parser ignores bytes after
 * the value, so `sig || junk` verified too: one signature, many token strings (found by the fuzz run).
 * A body is accepted only when re-encoding the parsed value gives back exactly its bytes.
 */
const BCS_BODIES: Partial<Record<SignatureSchemeName, { parse(bytes: Uint8Array): unknown; serialize(value: never): { toBytes(): Uint8Array } }>> = {
  MultiSig: bcs.MultiSig,
  Passkey: bcs.PasskeyAuthenticator,
};

function isCanonicalBody(scheme: SignatureSchemeName, signature: Uint8Array): boolean {
  const type = BCS_BODIES[scheme];
  if (!type) return true;
  try {
    const body = signature.subarray(1);
    return Buffer.from(type.serialize(type.parse(body) as never).toBytes()).equals(body);
  } catch {
    return false;
  }
}

export type SignatureResult = { ok: true; scheme: SignatureSchemeName } | { ok: false; reason: TokenRejectReason; scheme?: SignatureSchemeName };

export async function verifyClaimsSignature(claimsSegment: string, signature: Uint8Array, address: string): Promise<SignatureResult> {
  const scheme = FLAGS[signature[0] ?? -1];
  if (!scheme) return { ok: false, reason: 'bad_signature' };
  const plainSize = PLAIN_SIZES[scheme];
  if (plainSize !== undefined && signature.length !== plainSize) return { ok: false, reason: 'bad_signature', scheme };
  if (!isCanonicalBody(scheme, signature)) return { ok: false, reason: 'bad_signature', scheme };
  if (scheme === 'ED25519') return verifyEd25519(claimsSegment, signature, address);
  const serialized = Buffer.from(signature).toString('base64');
  const usesZkLogin = scheme === 'ZkLogin' || multisigHasZkLogin(serialized);
  if (usesZkLogin === null) return { ok: false, reason: 'bad_signature', scheme };
  if (usesZkLogin) return { ok: false, reason: 'zklogin_unsupported', scheme };
  const message = new TextEncoder().encode(claimsSegment);
  let valid: boolean;
  try {
    valid = await isValidPersonalMessageSignature(message, serialized, { address });
  } catch {
    // Without zkLogin nothing is looked up, so a throw is a malformed signature.
    return { ok: false, reason: 'bad_signature', scheme };
  }
  if (valid) return { ok: true, scheme };
  const claimed = signerAddress(serialized);
  return { ok: false, reason: claimed !== undefined && claimed !== address ? 'wrong_signer' : 'bad_signature', scheme };
}

/** flag(1) || signature(64) || public key(32), verified natively (ed25519-native.ts). */
function verifyEd25519(claimsSegment: string, signature: Uint8Array, address: string): SignatureResult {
  const publicKey = signature.subarray(65);
  if (!verifyEd25519PersonalMessage(new TextEncoder().encode(claimsSegment), signature.subarray(1, 65), publicKey)) {
    return { ok: false, reason: 'bad_signature', scheme: 'ED25519' };
  }
  return ed25519Address(publicKey) === address ? { ok: true, scheme: 'ED25519' } : { ok: false, reason: 'wrong_signer', scheme: 'ED25519' };
}

/** Whether a multisig names a zkLogin member; false for other schemes; null if unparseable. */
function multisigHasZkLogin(serialized: string): boolean | null {
  try {
    const parsed = parseSerializedSignature(serialized);
    if (parsed.signatureScheme !== 'MultiSig') return false;
    return parsed.multisig.multisig_pk.pk_map.some((entry) => 'ZkLogin' in entry.pubKey);
  } catch {
    return null;
  }
}

/** The address a signature claims to come from, for telling a wrong signer from a forgery. */
function signerAddress(serialized: string): string | undefined {
  try {
    const parsed = parseSerializedSignature(serialized);
    if (parsed.signatureScheme === 'MultiSig') return new MultiSigPublicKey(parsed.multisig.multisig_pk).toSuiAddress();
    if (parsed.signatureScheme === 'ZkLogin' || !parsed.publicKey) return undefined;
    return publicKeyFromRawBytes(parsed.signatureScheme, parsed.publicKey).toSuiAddress();
  } catch {
    return undefined;
  }
}
