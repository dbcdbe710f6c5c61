// The one token bucket (src/server/rate-limit.ts) and its three users' shapes: a bucket alone (the
// attestation route), buckets per client key (admission), buckets per connection's client (the host).
import { Socket } from 'node:net';
import { ClientBuckets, RateLimiter, TokenBucket } from '../../../src/server/rate-limit.ts';

describe('TokenBucket', () => {
  it('gives a burst, then refills continuously at the rate; a refusal says the whole seconds to wait', () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 60 }, 0);
    for (let i = 0; i < 60; i++) expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(1);
    expect(bucket.take(1_000)).toBe(0);
    expect(bucket.take(1_000)).toBe(1);
    const slow = new TokenBucket({ perSecond: 0.1, burst: 1 }, 0);
    expect(slow.take(0)).toBe(0);
    expect(slow.take(0)).toBe(10);
    expect(slow.take(5_000)).toBe(5);
  });

  it('never holds more than its burst, however long it was idle', () => {
    const bucket = new TokenBucket({ perSecond: 100, burst: 2 }, 0);
    expect([bucket.take(1e9), bucket.take(1e9), bucket.take(1e9)]).toEqual([0, 0, 1]);
  });
});

describe('ClientBuckets', () => {
  it('keeps a bucket per client: burst, then refill at the rate; clients are independent', () => {
    const clients = new ClientBuckets({ perSecond: 2, burst: 3 });
    expect([clients.take('a', 0), clients.take('a', 0), clients.take('a', 0)]).toEqual([0, 0, 0]);
    expect(clients.take('a', 0)).toBe(1);
    expect(clients.take('b', 0)).toBe(0);
    expect(clients.take('a', 500)).toBe(0);
    expect(clients.take('a', 500)).toBe(1);
  });

  it('holds at most maxClients, forgetting the least recently used (which comes back full)', () => {
    const clients = new ClientBuckets({ perSecond: 1, burst: 1 }, 2);
    expect(clients.take('a', 0)).toBe(0);
    expect(clients.take('b', 0)).toBe(0);
    expect(clients.take('a', 0)).toBe(1); // a is now the most recently used
    expect(clients.take('c', 0)).toBe(0); // b is forgotten
    expect(clients.take('a', 0)).toBe(1);
    expect(clients.take('b', 0)).toBe(0);
  });
});

describe('RateLimiter', () => {
  it('finds a connection its client bucket once: connections of one address share it', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 2 });
    const one = new Socket();
    const two = new Socket();
    expect(limiter.take(one, 0)).toBe(0);
    expect(limiter.take(two, 0)).toBe(0);
    expect(limiter.take(one, 0)).toBe(1);
    expect(limiter.enabled).toBe(true);
  });

  it('is off at perSecond 0', () => {
    const limiter = new RateLimiter({ perSecond: 0, burst: 1 });
    const socket = new Socket();
    expect(limiter.enabled).toBe(false);
    for (let i = 0; i < 5; i++) expect(limiter.take(socket, 0)).toBe(0);
  });
});
