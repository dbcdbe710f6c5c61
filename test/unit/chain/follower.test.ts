import { ChainClient } from '../../../src/chain/client.ts';
import type { ChainEvent } from '../../../src/chain/events.ts';
import { followEvents, latestEventCursor } from '../../../src/chain/follower.ts';
import { eventFilter } from '../../../src/chain/events.ts';
import { SealTokenRevoked, StakeSlashed } from '../../../src/chain/schema.ts';
import { FakeNode } from './fake-node.ts';
import { ALICE, OTHER_PKG, PKG, id } from './fixtures.ts';

function slash(n: number) {
  return {
    eventType: `${PKG}::staking::StakeSlashed`,
    contents: StakeSlashed.serialize({ record_id: id(n), staker: ALICE, slashed_amount: 1n, remaining: 1n, reason: `r${n}`, epoch: 1n }).toBytes(),
    transactionDigest: `tx${n}`,
    checkpoint: BigInt(n),
    eventIndex: 0,
  };
}

function revoke(n: number) {
  return {
    eventType: `${PKG}::seal::SealTokenRevoked`,
    contents: SealTokenRevoked.serialize({ token_id: id(n), record_id: id(n), owner: ALICE, epoch: 1n }).toBytes(),
    transactionDigest: `tx${n}`,
    checkpoint: BigInt(n),
    eventIndex: 0,
  };
}

function foreign(n: number) {
  return { ...slash(n), eventType: `${OTHER_PKG}::staking::StakeSlashed` };
}

function setup() {
  const node = new FakeNode();
  const client = new ChainClient(['http://fake.invalid:1'], { connect: (url) => node.endpoint(url) });
  return { node, client };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const reasons = (events: ChainEvent[]) => events.map((e) => (e.name === 'StakeSlashed' ? e.fields.reason : e.name));

test('delivers our events in order across pages, then new ones as they come, without repeats', async () => {
  const { node, client } = setup();
  node.maxEventPage = 2;
  node.events.push(slash(1), foreign(2), slash(3), revoke(4), slash(5));
  const got: ChainEvent[] = [];
  const sub = followEvents(client, PKG, { pollMs: 5, onEvent: (e) => void got.push(e) });
  await until(() => got.length === 4, 'the first four events');
  node.events.push(slash(6));
  await until(() => got.length === 5, 'the new event');
  await sub.stop();
  expect(reasons(got)).toEqual(['r1', 'r3', 'SealTokenRevoked', 'r5', 'r6']);
});

test('resuming from a saved cursor continues exactly after the last delivered event', async () => {
  const { node, client } = setup();
  node.events.push(slash(1), slash(2));
  const first: ChainEvent[] = [];
  const sub1 = followEvents(client, PKG, { pollMs: 5, onEvent: (e) => void first.push(e) });
  await until(() => first.length === 2, 'two events');
  await sub1.stop();
  node.events.push(slash(3));
  const second: ChainEvent[] = [];
  const sub2 = followEvents(client, PKG, { after: first[1]!.cursor, pollMs: 5, onEvent: (e) => void second.push(e) });
  await until(() => second.length === 1, 'the third event');
  await sub2.stop();
  expect(reasons(second)).toEqual(['r3']);
});

test('names narrow the filter sent to the node', async () => {
  const { node, client } = setup();
  node.events.push(slash(1), revoke(2), slash(3));
  const got: ChainEvent[] = [];
  const sub = followEvents(client, PKG, { names: ['SealTokenRevoked'], pollMs: 5, onEvent: (e) => void got.push(e) });
  await until(() => node.count('ListEvents') >= 2, 'two polls');
  await sub.stop();
  expect(reasons(got)).toEqual(['SealTokenRevoked']);
});

test('a throwing handler gets the event again; errors of polls are reported and polling goes on', async () => {
  const { node, client } = setup();
  node.events.push(slash(1), slash(2));
  const errors: unknown[] = [];
  const got: string[] = [];
  let failOnce = true;
  const sub = followEvents(client, PKG, {
    pollMs: 5,
    onEvent: (e) => {
      if (e.name === 'StakeSlashed' && e.fields.reason === 'r2' && failOnce) {
        failOnce = false;
        throw new Error('handler failed');
      }
      got.push(e.name === 'StakeSlashed' ? e.fields.reason : '');
    },
    onError: (err) => errors.push(err),
  });
  await until(() => got.length === 2, 'both events');
  node.down = { code: 'UNAVAILABLE', message: 'gone' };
  await until(() => errors.length >= 2, 'a failed poll');
  node.down = null;
  node.events.push(slash(3));
  await until(() => got.length === 3, 'the event after the outage');
  await sub.stop();
  expect(got).toEqual(['r1', 'r2', 'r3']);
  expect((errors[0] as Error).message).toBe('handler failed');
});

test('cursor() is the scan frontier once caught up, and stop() ends the loop', async () => {
  const { node, client } = setup();
  node.events.push(foreign(1), foreign(2));
  const sub = followEvents(client, PKG, { pollMs: 5, onEvent: () => {} });
  await until(() => sub.cursor() !== null, 'a cursor');
  await sub.stop();
  const polls = node.count('ListEvents');
  await new Promise((r) => setTimeout(r, 30));
  expect(node.count('ListEvents')).toBe(polls);
  expect(Buffer.from(sub.cursor()!, 'base64').readUInt32BE(0)).toBe(2);
});

test('latestEventCursor: following from it delivers only later events', async () => {
  const { node, client } = setup();
  const latest = () => client.call('listEvents', (c) => latestEventCursor(c, eventFilter(PKG)));
  expect(await latest()).toBeNull();
  node.events.push(slash(1), slash(2), foreign(3));
  const cursor = await latest();
  node.events.push(slash(4));
  const got: ChainEvent[] = [];
  const sub = followEvents(client, PKG, { after: cursor, pollMs: 5, onEvent: (e) => void got.push(e) });
  await until(() => got.length >= 1, 'the later event');
  await sub.stop();
  expect(reasons(got)).toEqual(['r4']);
});
