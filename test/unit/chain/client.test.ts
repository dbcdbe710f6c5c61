import { SuiGrpcClient } from '@mysten/sui/grpc';
import { ChainClient, type CallResult } from '../../../src/chain/client.ts';
import { checkedTransport } from '../../../src/chain/consistency.ts';
import { ChainUnavailableError } from '../../../src/chain/errors.ts';
import { chainCallHook } from '../../../src/chain/metrics.ts';
import { registry } from '../../../src/metrics/registry.ts';
import { FakeNode } from './fake-node.ts';

// Configured URLs may carry credentials and internal addresses: none of this may ever be reported.
const A = 'https://user:s3cret@a.internal.example:1';
const B = 'http://b.internal.example:1';

function setup(chainId?: string) {
  const nodes: Record<string, FakeNode> = { [A]: new FakeNode(), [B]: new FakeNode() };
  const seen: Array<[string, string, CallResult]> = [];
  const client = new ChainClient([A, B], {
    chainId,
    // The real response-header check around the fake node's transport.
    connect: (url, opts) => ({
      url,
      client: new SuiGrpcClient({ network: 'fake', transport: checkedTransport(nodes[url]!.transport() as never, opts.watermark) }),
      close: () => {},
    }),
    onCall: (method, endpoint, result, seconds) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      seen.push([method, endpoint, result]);
    },
  });
  const epoch = () => client.call('getEpoch', async (c) => (await c.ledgerService.getEpoch({})).response.epoch?.epoch);
  return { nodes, seen, client, epoch };
}

test('fails over from a dead endpoint and then sticks to the live one', async () => {
  const { nodes, seen, client, epoch } = setup();
  nodes[A]!.down = { code: 'UNAVAILABLE', message: 'connect ECONNREFUSED' };
  nodes[B]!.epoch = 5n;
  expect(await epoch()).toBe(5n);
  expect(client.currentEndpoint).toBe(B);
  expect(await epoch()).toBe(5n);
  expect(seen).toEqual([
    ['getEpoch', '#0', 'unavailable'],
    ['getEpoch', '#1', 'ok'],
    ['getEpoch', '#1', 'ok'],
  ]);
});

test('moves on when the current endpoint dies later', async () => {
  const { nodes, client, epoch } = setup();
  nodes[A]!.epoch = 1n;
  nodes[B]!.epoch = 2n;
  expect(await epoch()).toBe(1n);
  nodes[A]!.down = { code: 'DEADLINE_EXCEEDED', message: 'deadline' };
  expect(await epoch()).toBe(2n);
  expect(client.currentEndpoint).toBe(B);
});

test('a definitive error is not retried on another endpoint', async () => {
  const { nodes, seen, epoch } = setup();
  nodes[A]!.down = { code: 'INVALID_ARGUMENT', message: 'bad request' };
  await expect(epoch()).rejects.toThrow('bad request');
  expect(seen).toEqual([['getEpoch', '#0', 'error']]);
  expect(nodes[B]!.calls).toHaveLength(0);
});

test('all endpoints down is ChainUnavailableError naming each by its label, never its URL or the error text', async () => {
  const { nodes, epoch } = setup();
  nodes[A]!.down = { code: 'UNAVAILABLE', message: 'connect ECONNREFUSED 10.1.2.3:443 (a.internal.example)' };
  nodes[B]!.down = { code: 'DEADLINE_EXCEEDED', message: 'b.internal.example timed out' };
  const error = await epoch().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChainUnavailableError);
  expect((error as Error).message).toBe(
    'no Sui endpoint answered getEpoch acceptably (endpoint #0: UNAVAILABLE; endpoint #1: DEADLINE_EXCEEDED)',
  );
  expect((error as ChainUnavailableError).endpoints).toEqual(['#0', '#1']);
});

test('metric labels name endpoints by label: no URL, userinfo or host reaches /metrics', async () => {
  const { nodes, client, epoch } = setup();
  client.addCallHook(chainCallHook);
  nodes[A]!.down = { code: 'UNAVAILABLE', message: 'down' };
  await epoch();
  const text = await registry.metrics();
  expect(text).toMatch(/daas_auth_chain_requests_total\{method="getEpoch",endpoint="#0",result="unavailable"\} \d+/);
  expect(text).toMatch(/daas_auth_chain_requests_total\{method="getEpoch",endpoint="#1",result="ok"\} \d+/);
  expect(text).not.toMatch(/s3cret|internal\.example|https?:\/\//);
});

describe('a lagging or foreign endpoint never answers for the chain', () => {
  test('an answer from behind the checkpoint already acted on is refused, and the next endpoint is asked', async () => {
    const { nodes, seen, client, epoch } = setup();
    nodes[A]!.checkpoint = 10n;
    nodes[A]!.epoch = 4n;
    nodes[B]!.checkpoint = 8n; // a stale copy of the chain
    nodes[B]!.epoch = 3n;
    expect(await epoch()).toBe(4n);
    expect(client.watermark.checkpointHeight).toBe(10n);
    nodes[A]!.down = { code: 'UNAVAILABLE', message: 'down' };
    const error = await epoch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainUnavailableError);
    expect((error as Error).message).toMatch(/endpoint #1: the endpoint is at checkpoint 8, behind checkpoint 10 already acted on/);
    expect(seen.slice(-3)).toEqual([
      ['getEpoch', '#0', 'unavailable'],
      ['getEpoch', '#1', 'lagging'],
      ['getEpoch', '#1', 'lagging'], // asked once more, in case the answer was only out of order
    ]);
    nodes[B]!.checkpoint = 10n; // caught up: an equal height is acceptable
    expect(await epoch()).toBe(3n);
    expect(client.currentEndpoint).toBe(B);
  });

  test('the stale answer is refused even when the stale node is the current endpoint', async () => {
    const { nodes, epoch } = setup();
    nodes[A]!.checkpoint = 7n;
    await epoch();
    nodes[A]!.checkpoint = 5n; // e.g. a load balancer now routes to a node that lags
    nodes[B]!.checkpoint = 9n;
    nodes[B]!.epoch = 9n;
    expect(await epoch()).toBe(9n);
  });

  test('an answer that was only out of order is refused, and the same node asked again is accepted', async () => {
    const { nodes, seen, epoch } = setup();
    nodes[A]!.checkpoint = 7n;
    nodes[A]!.epoch = 1n;
    await epoch();
    let asked = 0;
    // The next answer was begun before checkpoint 7 was seen; asked again, the node is at 8.
    Object.defineProperty(nodes[A]!, 'checkpoint', { get: () => (asked++ === 0 ? 6n : 8n) });
    nodes[B]!.down = { code: 'UNAVAILABLE', message: 'down' };
    expect(await epoch()).toBe(1n);
    expect(seen.slice(1)).toEqual([
      ['getEpoch', '#0', 'lagging'],
      ['getEpoch', '#1', 'unavailable'],
      ['getEpoch', '#0', 'ok'],
    ]);
  });

  test('an endpoint of another chain is refused; without a configured id the first answer pins it', async () => {
    const { nodes, seen, epoch } = setup('fake-chain');
    nodes[A]!.chainId = 'other-chain';
    nodes[B]!.epoch = 2n;
    expect(await epoch()).toBe(2n);
    expect(seen[0]).toEqual(['getEpoch', '#0', 'wrong_chain']);

    const pinned = setup();
    pinned.nodes[A]!.chainId = 'first';
    await pinned.epoch();
    pinned.nodes[A]!.down = { code: 'UNAVAILABLE', message: 'down' };
    pinned.nodes[B]!.chainId = 'second';
    await expect(pinned.epoch()).rejects.toThrow(/endpoint #1: the endpoint serves chain second, not first/);
  });

  test('an answer without the x-sui headers is refused (fail closed)', async () => {
    const { nodes, seen, epoch } = setup();
    nodes[A]!.chainId = null;
    nodes[B]!.chainId = null;
    await expect(epoch()).rejects.toThrow(ChainUnavailableError);
    expect(seen).toEqual([
      ['getEpoch', '#0', 'no_headers'],
      ['getEpoch', '#1', 'no_headers'],
    ]);
  });
});

test('a throwing hook does not break the call; hooks can be removed', async () => {
  const { nodes, client, epoch } = setup();
  nodes[A]!.epoch = 3n;
  const remove = client.addCallHook(() => {
    throw new Error('metrics bug');
  });
  expect(await epoch()).toBe(3n);
  remove();
  let called = 0;
  client.addCallHook(() => called++);
  await epoch();
  expect(called).toBe(1);
});

test('needs an endpoint', () => {
  expect(() => new ChainClient([])).toThrow(/at least one endpoint/);
});
