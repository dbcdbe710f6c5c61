import { ChainClient, type CallResult } from '../../../src/chain/client.ts';
import { ChainUnavailableError } from '../../../src/chain/errors.ts';
import { FakeNode } from './fake-node.ts';

const A = 'http://a.invalid:1';
const B = 'http://b.invalid:1';

function setup() {
  const nodes: Record<string, FakeNode> = { [A]: new FakeNode(), [B]: new FakeNode() };
  const seen: Array<[string, string, CallResult]> = [];
  const client = new ChainClient([A, B], {
    connect: (url) => nodes[url]!.endpoint(url),
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
    ['getEpoch', A, 'unavailable'],
    ['getEpoch', B, 'ok'],
    ['getEpoch', B, 'ok'],
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
  expect(seen).toEqual([['getEpoch', A, 'error']]);
  expect(nodes[B]!.calls).toHaveLength(0);
});

test('all endpoints down is ChainUnavailableError naming each', async () => {
  const { nodes, epoch } = setup();
  nodes[A]!.down = { code: 'UNAVAILABLE', message: 'down A' };
  nodes[B]!.down = { code: 'UNAVAILABLE', message: 'down B' };
  const error = await epoch().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChainUnavailableError);
  expect((error as Error).message).toMatch(/a\.invalid.*down A.*b\.invalid.*down B/);
  expect((error as ChainUnavailableError).endpoints).toEqual([A, B]);
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
