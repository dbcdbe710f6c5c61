/**
 * gRPC status errors the services answer with. A transaction a validator would refuse, or one the
 * sim cannot read, is INVALID_ARGUMENT with the reason as the message (the SDK surfaces it as the
 * error text); missing objects and transactions are NOT_FOUND.
 */
import { RpcError } from '@mysten/sui/grpc';
import { TransactionRejected } from '../exec/inputs.ts';
import { MalformedTransaction } from '../txcodec.ts';

export const invalidArgument = (message: string) => new RpcError(message, 'INVALID_ARGUMENT');
export const notFound = (message: string) => new RpcError(message, 'NOT_FOUND');
export const unimplemented = (method: string) => new RpcError(`${method} is not implemented by sui-sim`, 'UNIMPLEMENTED');

/** Maps the sim's own refusals to gRPC statuses; anything else propagates (INTERNAL). */
export function asRpcError(error: unknown): unknown {
  if (error instanceof TransactionRejected || error instanceof MalformedTransaction) return invalidArgument(error.message);
  return error;
}
