// src/chain/endpoint-probe.ts: every endpoint is asked on its own, so one that is down is seen as down (and
// one that comes back as up) even though failover keeps the real traffic on another.
import { expect, test } from '@jest/globals';
import type { CallResult } from '../../../src/chain/client.ts';
import { EndpointProbe } from '../../../src/chain/endpoint-probe.ts';
import { FakeNode } from './fake-node.ts';

const A = 'http://a.invalid:1';
const B = 'http://b.invalid:1';

test('each round asks every endpoint once and reports each result to the hook', async () => {
  const nodes: Record<string, FakeNode> = { [A]: new FakeNode(), [B]: new FakeNode() };
  const seen: Array<[string, string, CallResult]> = [];
  const probe = new EndpointProbe([A, B], {
    intervalMs: 60_000,
    connect: (url) => nodes[url]!.endpoint(url),
    onCall: (method, endpoint, result) => seen.push([method, endpoint, result]),
  });
  try {
    nodes[B]!.down = { code: 'UNAVAILABLE', message: 'connect ECONNREFUSED' };
    await probe.round();
    // Named by position in the configuration, never by URL (issue 9 item 9).
    expect(seen.sort()).toEqual([
      ['probe', '#0', 'ok'],
      ['probe', '#1', 'unavailable'],
    ]);
    // B comes back while A (the one real traffic would stick to) goes down.
    nodes[B]!.down = null;
    nodes[A]!.down = { code: 'UNAVAILABLE', message: 'connect ECONNREFUSED' };
    seen.length = 0;
    await probe.round();
    expect(seen.sort()).toEqual([
      ['probe', '#0', 'unavailable'],
      ['probe', '#1', 'ok'],
    ]);
    expect(nodes[B]!.count('GetEpoch')).toBeGreaterThanOrEqual(1);
  } finally {
    probe.stop();
  }
});
