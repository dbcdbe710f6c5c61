/**
 * Turns whatever a transaction attempt threw or returned into a ChainTxError whose message names
 * the problem in plain words: the Move abort of our package by name (`staking::EStillLocked`),
 * insufficient funds, an unknown object, an object the sender does not own, or the node's own words.
 *
 * Aborts arrive structured (ExecutionError.MoveAbort, from the failed effects or from the dry run
 * the SDK does while building). Other refusals arrive as text (gRPC status messages, effects
 * descriptions), so those are classified by wording; the node's message is kept in the error.
 */
import type { SuiClientTypes } from '@mysten/sui/client';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { ChainTxError, grpcCode, isTransient, type ChainTxErrorKind } from './errors.ts';
import { abortName } from './schema.ts';

/** A failed execution status (from effects or simulation) → ChainTxError. */
export function fromExecutionError(
  error: SuiClientTypes.ExecutionError,
  packageId: string,
  digest?: string,
): ChainTxError {
  if (error.$kind === 'MoveAbort' && error.MoveAbort) {
    const { abortCode, location } = error.MoveAbort;
    const module = location?.module ?? '?';
    const ours = location?.package !== undefined && sameAddress(location.package, packageId);
    const name = ours ? abortName(module, BigInt(abortCode)) : undefined;
    const where = location?.functionName ? ` in ${module}::${location.functionName}` : '';
    const message = name
      ? `refused by the chain: ${name}${where}`
      : `refused by the chain: Move abort ${abortCode} in ${location?.package ? shortAddress(location.package) + '::' : ''}${module}${location?.functionName ? '::' + location.functionName : ''}`;
    return new ChainTxError('moveAbort', message, { abort: name, digest });
  }
  return classifyText(error.message, { digest });
}

/**
 * Any error thrown while building, signing or executing → ChainTxError, or undefined when it is not
 * a refusal (a transient failure, which the caller reports as the network being unavailable).
 */
export function toChainTxError(error: unknown, packageId: string): ChainTxError | undefined {
  if (error instanceof ChainTxError) return error;
  if (isTransient(error)) return undefined;
  const execution = (error as { executionError?: SuiClientTypes.ExecutionError }).executionError;
  if (execution) return fromExecutionError(execution, packageId);
  if ((error as { code?: unknown }).code === 'notExists') {
    return new ChainTxError('unknownObject', `unknown object: ${(error as Error).message}`, {
      objectId: (error as { objectId?: string }).objectId,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = grpcCode(error);
  if (code === 'NOT_FOUND') {
    return new ChainTxError('unknownObject', `unknown object: ${strip(message)}`, { objectId: firstId(message), cause: error });
  }
  return classifyText(message, { cause: error });
}

const PATTERNS: Array<[ChainTxErrorKind, RegExp, string]> = [
  ['insufficientFunds', /insufficient|not enough (gas|sui|balance|coins?)|no (gas )?coins?\b|balance too low|InsufficientCoinBalance|InsufficientGas/i, 'insufficient funds'],
  ['wrongOwner', /owned by|not owned|not the owner|wrong owner|incorrect (user )?signer|not signed by the correct sender|IncorrectUserSignature/i, 'wrong owner'],
  ['unknownObject', /could not find|not found|does ?n[o']t exist|not exist|unknown object|ObjectNotFound|notExists|deleted/i, 'unknown object'],
  ['rejected', /signature/i, 'bad signature'],
];

/** Classifies a refusal that came as text. */
export function classifyText(text: string, details: { digest?: string; cause?: unknown } = {}): ChainTxError {
  const message = strip(text);
  for (const [kind, pattern, words] of PATTERNS) {
    if (pattern.test(message)) {
      return new ChainTxError(kind, `${words}: ${message}`, { objectId: firstId(message), ...details });
    }
  }
  return new ChainTxError('rejected', `refused by the chain: ${message}`, { objectId: firstId(message), ...details });
}

/** Drops SDK prefixes and keeps the first line, so the CLI's one-line error stays one line. */
function strip(text: string): string {
  return (text.split('\n')[0] ?? '').replace(/^Transaction resolution failed:\s*/i, '').trim() || 'unknown error';
}

function firstId(text: string): string | undefined {
  const hit = /0x[0-9a-fA-F]{1,64}\b/.exec(text);
  return hit ? normalizeSuiAddress(hit[0]) : undefined;
}

function sameAddress(a: string, b: string): boolean {
  try {
    return normalizeSuiAddress(a) === normalizeSuiAddress(b);
  } catch {
    return false;
  }
}

function shortAddress(address: string): string {
  const hex = normalizeSuiAddress(address).slice(2).replace(/^0+/, '');
  return `0x${hex.length > 12 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex || '0'}`;
}
