import type { ChainEvent, FollowOptions } from '../../../src/chain/reader.ts';
import { createEpochClock } from '../../../src/feeds/epoch.ts';
import { createEventFeed } from '../../../src/feeds/events.ts';

const event = (name: string): ChainEvent => ({ name, fields: {}, txDigest: 'd', checkpoint: null, eventIndex: 0, cursor: 'c' }) as unknown as ChainEvent;

function fakeSource(latest: () => Promise<string | null>) {
  const follows: FollowOptions[] = [];
  let stopped = 0;
  return {
    follows,
    stopped: () => stopped,
    latestEventCursor: latest,
    followEvents(options: FollowOptions) {
      follows.push(options);
      return { stop: async () => void stopped++, cursor: () => null };
    },
  };
}

describe('createEventFeed', () => {
  it('follows once, from the newest event, and hands each event to the subscribers that named it', async () => {
    const source = fakeSource(async () => 'cursor-7');
    const feed = createEventFeed(source, { pollMs: 100 });
    const slashes: string[] = [];
    const all: string[] = [];
    feed.subscribe(['StakeSlashed'], (e) => slashes.push(e.name));
    const unsubscribe = feed.subscribe(['StakeSlashed', 'StakeCreated'], (e) => all.push(e.name));
    await feed.start();
    await feed.start(); // idempotent: still one follower
    expect(source.follows).toHaveLength(1);
    expect(source.follows[0]).toMatchObject({ after: 'cursor-7', pollMs: 100 });
    expect(source.follows[0]!.names).toBeUndefined(); // every event of the package: one filter for all subscribers
    const deliver = (name: string) => source.follows[0]!.onEvent(event(name));
    await deliver('StakeSlashed');
    await deliver('StakeCreated');
    await deliver('SealTokenRevoked');
    expect(slashes).toEqual(['StakeSlashed']);
    expect(all).toEqual(['StakeSlashed', 'StakeCreated']);
    unsubscribe();
    await deliver('StakeSlashed');
    expect(all).toHaveLength(2);
    await feed.stop();
    expect(source.stopped()).toBe(1);
  });

  it('follows from the beginning when the chain cannot say where now is', async () => {
    const source = fakeSource(async () => {
      throw new Error('unreachable');
    });
    await createEventFeed(source, { pollMs: 100 }).start();
    expect(source.follows[0]!.after).toBeNull();
  });

  it('one failing subscriber neither stops the others nor replays the event', async () => {
    const source = fakeSource(async () => null);
    const errors: unknown[] = [];
    const feed = createEventFeed(source, { pollMs: 100, onError: (e) => errors.push(e) });
    const seen: string[] = [];
    feed.subscribe(['StakeSlashed'], () => {
      throw new Error('boom');
    });
    feed.subscribe(['StakeSlashed'], (e) => seen.push(e.name));
    await feed.start();
    await expect(Promise.resolve(source.follows[0]!.onEvent(event('StakeSlashed')))).resolves.toBeUndefined();
    expect(seen).toEqual(['StakeSlashed']);
    expect(errors).toHaveLength(1);
  });
});

describe('createEpochClock', () => {
  it('tells every listener each read, success or failure, and says whether the chain answered', async () => {
    let next: bigint | Error = 5n;
    const clock = createEpochClock({
      read: async () => {
        if (next instanceof Error) throw next;
        return next;
      },
      intervalMs: 60_000,
    });
    const ticks: Array<{ epoch?: bigint; error?: unknown }> = [];
    clock.subscribe((tick) => ticks.push(tick));
    expect(clock.up()).toBe(false);
    await clock.tick();
    expect(clock.up()).toBe(true);
    next = new Error('down');
    await clock.tick();
    expect(clock.up()).toBe(false);
    expect(ticks).toEqual([{ epoch: 5n }, { error: next }]);
  });
});
