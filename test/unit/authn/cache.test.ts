/**
 * DecisionCache bounds (issue 9 item 8): one staker minting distinct tokens keeps at most
 * maxEntriesPerIdentity entries — its own oldest go — and everyone else's entries stay cached.
 * And (item 6) a stake record or SealToken dropped within readRaceMs is not cached whatever the ticket.
 */
import { DecisionCache, type CachedDecision } from '../../../src/authn/cache.ts';
import type { Identity } from '../../../src/authn/identity.ts';
import { CLUSTER } from '../token/fixtures.ts';

const NOW = 1_800_000_000;
const hex = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

function decision(sub: number, n: number): CachedDecision {
  return {
    claims: { v: 1, aud: CLUSTER, sub: hex(sub), tok: hex(1000 + n), iat: NOW - 5, exp: NOW + 600 },
    identity: {} as Identity,
    sealToken: hex(1000 + n),
    stakeRecord: hex(5000 + sub),
    expiresEpoch: 100n,
  };
}

describe('DecisionCache', () => {
  it('keeps one identity to maxEntriesPerIdentity and leaves room for everyone else', () => {
    const cache = new DecisionCache({ ttlSeconds: 60, maxEntries: 100, maxEntriesPerIdentity: 8, now: () => NOW });
    try {
      expect(cache.set('victim', decision(2, 0), cache.begin())).toBe(true);
      for (let n = 1; n <= 500; n++) expect(cache.set(`mallory-${n}`, decision(1, n), cache.begin())).toBe(true);
      expect(cache.size).toBe(9);
      expect(cache.get('mallory-492')).toBeUndefined(); // evicted: the attacker's own oldest
      expect(cache.get('mallory-493')).toBeDefined();
      expect(cache.get('mallory-500')).toBeDefined();
      // Other stakers are still cached, new ones too.
      expect(cache.get('victim')).toBeDefined();
      for (let sub = 3; sub < 50; sub++) expect(cache.set(`staker-${sub}`, decision(sub, 10_000 + sub), cache.begin())).toBe(true);
      // Dropping the attacker's record removes exactly its remaining entries.
      expect(cache.dropRecord(hex(5001))).toBe(8);
    } finally {
      cache.close();
    }
  });

  it('refuses to cache a record dropped within readRaceMs, even with a ticket taken after the drop', () => {
    const cache = new DecisionCache({ ttlSeconds: 60, maxEntries: 100, now: () => NOW, readRaceMs: 60_000 });
    try {
      cache.dropRecord(hex(5001));
      expect(cache.set('late', decision(1, 1), cache.begin())).toBe(false);
      expect(cache.set('other', decision(2, 2), cache.begin())).toBe(true);
      cache.dropNode('worker-1'); // binding changes are read synchronously: only the ticket matters
      const node = decision(3, 3);
      node.claims.node = 'worker-1';
      expect(cache.set('node', node, cache.begin())).toBe(true);
    } finally {
      cache.close();
    }
  });
});
