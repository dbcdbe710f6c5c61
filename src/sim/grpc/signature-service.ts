/**
 * `sui.rpc.v2.SignatureVerificationService`: verifies a personal message or transaction signature
 * with the SDK's own verifiers (every scheme but zkLogin, which needs the chain's JWKs).
 */
import { bcs } from '@mysten/sui/bcs';
import type { GrpcTypes } from '@mysten/sui/grpc';
import { parseSerializedSignature } from '@mysten/sui/cryptography';
import { toBase64 } from '@mysten/sui/utils';
import { verifyPersonalMessageSignature, verifyTransactionSignature } from '@mysten/sui/verify';
import { invalidArgument } from './errors.ts';

export function signatureService() {
  return {
    async verifySignature(request: GrpcTypes.VerifySignatureRequest): Promise<GrpcTypes.VerifySignatureResponse> {
      const message = request.message;
      const signatureBytes = request.signature?.bcs?.value;
      if (!message?.value || !signatureBytes?.length) throw invalidArgument('message and signature.bcs are required');
      const signature = toBase64(signatureBytes);
      const options = request.address ? { address: request.address } : {};
      try {
        if (parseSerializedSignature(signature).signatureScheme === 'ZkLogin') {
          return { isValid: false, reason: 'zkLogin signatures are not supported by sui-sim' };
        }
        if (message.name === 'PersonalMessage') {
          await verifyPersonalMessageSignature(bcs.byteVector().parse(message.value), signature, options);
        } else if (message.name === 'TransactionData') {
          await verifyTransactionSignature(message.value, signature, options);
        } else {
          throw invalidArgument(`unsupported message type ${message.name ?? ''}`);
        }
        return { isValid: true };
      } catch (error) {
        if (error instanceof Error && 'code' in error) throw error;
        return { isValid: false, reason: (error as Error).message };
      }
    },
  };
}
