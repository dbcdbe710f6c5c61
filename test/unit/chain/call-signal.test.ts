// withCallSignal (src/chain/follower.ts): a call's own abort signal follows the follower's only while
// the call runs, so no listener — nor the finished call it would hold — stays on the long-lived signal.
import { getEventListeners } from 'node:events';
import { expect, test } from '@jest/globals';
import { withCallSignal } from '../../../src/chain/follower.ts';

test('a thousand finished calls leave no listener on the parent signal', async () => {
  const parent = new AbortController();
  for (let i = 0; i < 1000; i++) await withCallSignal(parent.signal, async (signal) => signal.aborted);
  expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
});

test('aborting the parent aborts the running call, with its reason; a failing call also unlinks', async () => {
  const parent = new AbortController();
  const seen = withCallSignal(parent.signal, (signal) => new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason))));
  parent.abort('stop');
  await expect(seen).resolves.toBe('stop');
  const other = new AbortController();
  await expect(withCallSignal(other.signal, async () => Promise.reject(new Error('node down')))).rejects.toThrow('node down');
  expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
});

test('an already aborted parent gives an aborted call signal', async () => {
  const parent = new AbortController();
  parent.abort();
  await expect(withCallSignal(parent.signal, async (signal) => signal.aborted)).resolves.toBe(true);
});
