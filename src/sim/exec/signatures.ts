/**
 * Signature checks a validator makes: exactly one valid signature over the transaction's intent
 * message (`TransactionData` intent, BCS bytes) from each required signer — the sender, and the gas
 * owner when someone else pays. Verification is the SDK's own (`verifyTransactionSignature`):
 * Ed25519, Secp256k1, Secp256r1, multisig and passkey. zkLogin needs the chain's JWKs and is refused.
 */
import { normalizeSuiAddress, toBase64 } from '@mysten/sui/utils';
import { verifyTransactionSignature } from '@mysten/sui/verify';
import { parseSerializedSignature } from '@mysten/sui/cryptography';
import { TransactionRejected } from './inputs.ts';

export async function checkSignatures(txBytes: Uint8Array, signatures: Uint8Array[], requiredSigners: string[]): Promise<void> {
  const required = [...new Set(requiredSigners.map((a) => normalizeSuiAddress(a)))];
  if (signatures.length !== required.length) {
    throw new TransactionRejected(
      `Invalid user signature: expected ${required.length} signature(s) (from ${required.join(', ')}), got ${signatures.length}`,
    );
  }
  const signers = new Set<string>();
  for (const signature of signatures) signers.add(await signerOf(txBytes, signature));
  for (const address of required) {
    if (!signers.has(address)) {
      throw new TransactionRejected(`Invalid user signature: Required Signature from ${address} is absent [${[...signers].join(', ')}]`);
    }
  }
}

async function signerOf(txBytes: Uint8Array, signature: Uint8Array): Promise<string> {
  const serialized = toBase64(signature);
  let scheme: string;
  try {
    scheme = parseSerializedSignature(serialized).signatureScheme;
  } catch {
    throw new TransactionRejected('Invalid user signature: the signature does not parse');
  }
  if (scheme === 'ZkLogin') throw new TransactionRejected('Invalid user signature: zkLogin signatures are not supported by sui-sim');
  try {
    const publicKey = await verifyTransactionSignature(txBytes, serialized);
    return normalizeSuiAddress(publicKey.toSuiAddress());
  } catch (error) {
    throw new TransactionRejected(`Invalid user signature: ${(error as Error).message}`);
  }
}
