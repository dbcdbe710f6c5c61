// bench/soak's bookkeeping and verdict (bench/soak/ledger.ts): what counts as an error, the refusal
// delay of each slash, the RSS growth bound.
import { describe, expect, test } from '@jest/globals';
import { classifyReview, evaluateSoak, SoakLedger } from '../../../bench/soak/ledger.ts';

const review = (authenticated: unknown) => JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status: { authenticated } });
const RSS_FLAT = { baselineMb: 200, endMb: 201 };

describe('classifyReview', () => {
  test('reads accepted and refused answers', () => {
    expect(classifyReview(200, review(true))).toEqual({ outcome: 'accepted' });
    expect(classifyReview(200, review(false))).toEqual({ outcome: 'refused' });
  });

  test('a non-200 status, an unreadable body or a missing verdict is an error', () => {
    expect(classifyReview(429, review(true))).toEqual({ outcome: 'error', error: 'http_429' });
    expect(classifyReview(200, '{"status":')).toEqual({ outcome: 'error', error: 'unreadable_body' });
    expect(classifyReview(200, review('yes'))).toEqual({ outcome: 'error', error: 'no_status' });
    expect(classifyReview(200, 'null')).toEqual({ outcome: 'error', error: 'no_status' });
  });
});

describe('SoakLedger and evaluateSoak', () => {
  /** Token 0 slashed at 1000 (confirmed 1100) and refused from `refusedAt`; token 1 never slashed. */
  function slashedAt(refusedAt: number): SoakLedger {
    const ledger = new SoakLedger();
    ledger.observe(0, 'accepted', 900, 905);
    ledger.slashSubmitted(0, 1000);
    ledger.slashConfirmed(0, 1100);
    ledger.observe(0, 'accepted', 1150, 1155); // before its first refusal: the delay, not an error
    ledger.observe(0, 'refused', refusedAt - 5, refusedAt);
    ledger.observe(1, 'accepted', 1200, 1201);
    return ledger;
  }

  test('a slash refused within 2 s, no errors and flat RSS pass', () => {
    const verdict = evaluateSoak(slashedAt(1600), RSS_FLAT);
    expect(verdict).toMatchObject({ ok: true, failures: [], slashes: [{ token: 0, refusalMs: 500 }], maxRefusalMs: 500 });
    expect(verdict.rssGrowth).toBeCloseTo(0.005);
  });

  test('a refusal later than 2 s after the confirmation fails', () => {
    const verdict = evaluateSoak(slashedAt(3200), RSS_FLAT);
    expect(verdict.ok).toBe(false);
    expect(verdict.maxRefusalMs).toBe(2100);
    expect(verdict.failures).toEqual(['1 slashed tokens refused later than 2000 ms']);
  });

  test('a slashed token never refused fails', () => {
    const ledger = new SoakLedger();
    ledger.slashSubmitted(3, 10);
    ledger.slashConfirmed(3, 20);
    ledger.observe(3, 'accepted', 30, 31);
    expect(evaluateSoak(ledger, RSS_FLAT).failures).toEqual(['1 slashed tokens never refused']);
  });

  test('refusing an unslashed token, accepting a slashed one after its refusal, and transport failures are errors', () => {
    const ledger = slashedAt(1600);
    ledger.observe(1, 'refused', 1700, 1701);
    ledger.observe(0, 'accepted', 1700, 1702);
    ledger.observe(1, 'error', 1800, 1801, 'transport_timeout');
    expect(ledger).toMatchObject({ requests: 7, errors: 3 });
    expect(evaluateSoak(ledger, RSS_FLAT).failures).toEqual(['3 errors (refused_unslashed 1, accepted_after_refusal 1, transport_timeout 1)']);
  });

  test('a refusal answered after the slash was sent but before we saw it confirmed counts as 0 ms', () => {
    const ledger = new SoakLedger();
    ledger.slashSubmitted(0, 1000);
    ledger.observe(0, 'refused', 1040, 1050);
    ledger.slashConfirmed(0, 1100);
    expect(evaluateSoak(ledger, RSS_FLAT)).toMatchObject({ ok: true, slashes: [{ token: 0, refusalMs: 0 }] });
  });

  test('RSS growth of 5 % or more fails; a run without a slash fails', () => {
    expect(evaluateSoak(slashedAt(1600), { baselineMb: 200, endMb: 210 }).failures).toEqual(['RSS grew 5.0 % (goal < 5 %)']);
    expect(evaluateSoak(new SoakLedger(), RSS_FLAT).failures).toEqual(['no slash happened']);
  });

  test('a confirmation without a submission is a bug in the bench', () => {
    expect(() => new SoakLedger().slashConfirmed(0, 1)).toThrow('never submitted');
  });
});
