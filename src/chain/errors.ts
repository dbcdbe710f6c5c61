/**
 * The two ways a chain operation fails, kept apart because callers must treat them differently:
 *
 * - ChainUnavailableError: no endpoint gave an answer (connection refused, timeout, overloaded node).
 *   It says nothing about the objects asked for, so an authenticator must not turn it into a
 *   definitive "no" (it answers "try again" instead).
 * - ChainTxError: the network answered and refused a transaction (a Move abort of our package,
 *   insufficient funds, an unknown object, an object the sender does not own, a bad signature).
 */
export class ChainUnavailableError extends Error {
  /** The labels (`#0`, `#1`, …, never URLs) of the endpoints that were tried, in order. */
  readonly endpoints: readonly string[];
  constructor(message: string, endpoints: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChainUnavailableError';
    this.endpoints = endpoints;
  }
}

/** What kind of refusal a ChainTxError is; the CLI words its one-line error from it. */
export type ChainTxErrorKind =
  | 'moveAbort' // our package (or the framework) aborted; `abort` names it
  | 'insufficientFunds' // no gas coin big enough, or a split larger than the balance
  | 'unknownObject' // an id that does not exist (or is not the expected type)
  | 'wrongOwner' // an owned object the sender does not own (e.g. someone else's AdminCap)
  | 'rejected'; // anything else the network refused (bad signature, bad argument, ...)

export class ChainTxError extends Error {
  readonly kind: ChainTxErrorKind;
  /** `module::EName` for an abort of our package (e.g. `staking::EStillLocked`), else undefined. */
  readonly abort: string | undefined;
  /** The object the error is about, when the network named one. */
  readonly objectId: string | undefined;
  /** The transaction digest when the transaction was executed (and failed), else undefined. */
  readonly digest: string | undefined;
  constructor(
    kind: ChainTxErrorKind,
    message: string,
    details: { abort?: string; objectId?: string; digest?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'ChainTxError';
    this.kind = kind;
    this.abort = details.abort;
    this.objectId = details.objectId;
    this.digest = details.digest;
  }
}

/**
 * gRPC status codes that say "this endpoint could not answer now", as opposed to an answer.
 * UNKNOWN and INTERNAL are included: they are what a crashing or misbehaving node returns, and
 * another endpoint may well answer.
 */
const TRANSIENT_GRPC_CODES = new Set([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'ABORTED',
  'CANCELLED',
  'INTERNAL',
  'UNKNOWN',
]);

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** True when `error` (or something in its cause chain) means the endpoint did not answer. */
export function isTransient(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ChainUnavailableError) return true;
    const rpc = rpcCode(e);
    if (rpc !== undefined) return TRANSIENT_GRPC_CODES.has(rpc);
    if (typeof e !== 'object') return false;
    const { name, code } = e as { name?: unknown; code?: unknown };
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    if (typeof code === 'string' && TRANSIENT_NODE_CODES.has(code)) return true;
  }
  return false;
}

/** The gRPC status code of an error or of its cause chain (e.g. 'NOT_FOUND'), if there is one. */
export function grpcCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const rpc = rpcCode(e);
    if (rpc !== undefined) return rpc;
  }
  return undefined;
}

/** protobuf-ts's RpcError (name 'RpcError', code a status name), recognised without importing it. */
function rpcCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { name, code } = e as { name?: unknown; code?: unknown };
  return name === 'RpcError' && typeof code === 'string' ? code : undefined;
}
