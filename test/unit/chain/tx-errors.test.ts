import { SimulationError } from '@mysten/sui/client';
import type { SuiClientTypes } from '@mysten/sui/client';
import { ChainTxError, ChainUnavailableError } from '../../../src/chain/errors.ts';
import { classifyText, fromExecutionError, toChainTxError } from '../../../src/chain/tx-errors.ts';
import { OTHER_PKG, PKG } from './fixtures.ts';

function abort(pkg: string, module: string, code: string): SuiClientTypes.ExecutionError {
  return {
    $kind: 'MoveAbort',
    message: 'MoveAbort ...',
    MoveAbort: { abortCode: code, location: { package: pkg.replace(/^0x/, ''), module, functionName: 'withdraw' } },
  } as SuiClientTypes.ExecutionError;
}

test('an abort of our package is named', () => {
  const error = fromExecutionError(abort(PKG, 'staking', '5'), PKG, 'DIG');
  expect(error).toMatchObject({ kind: 'moveAbort', abort: 'staking::EStillLocked', digest: 'DIG' });
  expect(error.message).toBe('refused by the chain: staking::EStillLocked in staking::withdraw');
});

test('the same code in another package is not given our name', () => {
  const error = fromExecutionError(abort(OTHER_PKG, 'staking', '5'), PKG);
  expect(error.abort).toBeUndefined();
  expect(error.message).toMatch(/Move abort 5 in 0xbad::staking::withdraw/);
});

test('a dry-run abort thrown by the SDK while building is named too', () => {
  const thrown = new SimulationError('Transaction resolution failed: MoveAbort', { executionError: abort(PKG, 'seal', '1') });
  expect(toChainTxError(thrown, PKG)).toMatchObject({ kind: 'moveAbort', abort: 'seal::ENotActive' });
});

test.each([
  ['Insufficient gas: balance 10 below budget', 'insufficientFunds'],
  ['InsufficientCoinBalance in command 0', 'insufficientFunds'],
  ['no gas coins found for address 0xabc', 'insufficientFunds'],
  ['Object 0xcap is owned by account address 0xadmin, but given owner/signer address is 0xbob', 'wrongOwner'],
  ['Transaction was not signed by the correct sender', 'wrongOwner'],
  ['Object 0x1234 does not exist', 'unknownObject'],
  ['object 0x99 not found', 'unknownObject'],
  ['Could not find the referenced object 0x99', 'unknownObject'],
  ['Invalid user signature: signature is not valid', 'rejected'],
  ['something else entirely', 'rejected'],
])('classifyText(%j) → %s', (text, kind) => {
  expect(classifyText(text).kind).toBe(kind);
});

test('the object named in a message is extracted', () => {
  expect(classifyText('Object 0x1234 does not exist').objectId).toBe(`0x${'0'.repeat(60)}1234`);
});

test('an RpcError NOT_FOUND is an unknown object; messages stay on one line', () => {
  const rpc = Object.assign(new Error('object 0x5 not here\nmore'), { name: 'RpcError', code: 'NOT_FOUND' });
  const error = toChainTxError(rpc, PKG)!;
  expect(error.kind).toBe('unknownObject');
  expect(error.message).toBe('unknown object: object 0x5 not here');
});

test('transient failures are not refusals', () => {
  expect(toChainTxError(new ChainUnavailableError('down', []), PKG)).toBeUndefined();
  expect(toChainTxError(Object.assign(new Error('x'), { name: 'RpcError', code: 'UNAVAILABLE' }), PKG)).toBeUndefined();
});

test('a ChainTxError passes through unchanged', () => {
  const original = new ChainTxError('wrongOwner', 'wrong owner: x');
  expect(toChainTxError(original, PKG)).toBe(original);
});
