/** The TokenReview wire type (src/k8s/tokenreview.ts): strict parsing of what the apiserver sends. */
import { MAX_AUDIENCES, parseTokenReviewRequest, tokenReviewResponse } from '../../../src/k8s/tokenreview.ts';

const review = (over: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'authentication.k8s.io/v1',
  kind: 'TokenReview',
  metadata: {},
  spec: { token: 'abc', ...spec },
  ...over,
});

describe('parseTokenReviewRequest', () => {
  it('accepts v1 and v1beta1 with audiences, and Go zero status as the apiserver writes it', () => {
    expect(parseTokenReviewRequest(review({}, { audiences: ['c1'] }))).toEqual({
      ok: true,
      review: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'abc', audiences: ['c1'] } },
    });
    expect(parseTokenReviewRequest(review({ apiVersion: 'authentication.k8s.io/v1beta1', status: { user: {} } })).ok).toBe(true);
  });

  it.each([
    ['a non-object body', [], 'body must be a JSON object'],
    ['an unknown top-level field', review({ extra: 1 }), 'unknown field "extra"'],
    ['another apiVersion', review({ apiVersion: 'v1' }), 'apiVersion must be one of'],
    ['another kind', review({ kind: 'SubjectAccessReview' }), 'kind must be TokenReview'],
    ['a status that says something', review({ status: { authenticated: true } }), 'carries no status'],
    ['an unknown spec field', review({}, { user: 'x' }), 'unknown field "spec.user"'],
    ['an empty token', review({}, { token: '' }), 'spec.token must be a non-empty string'],
    ['a token that is not a string', review({}, { token: 7 }), 'spec.token must be a non-empty string'],
    ['audiences that are not a list', review({}, { audiences: 'c1' }), 'spec.audiences must be a list'],
    ['an empty audience', review({}, { audiences: [''] }), 'non-empty strings'],
    ['too many audiences', review({}, { audiences: Array.from({ length: MAX_AUDIENCES + 1 }, (_, i) => `a${i}`) }), 'more than'],
  ])('refuses %s', (_name, body, message) => {
    const parsed = parseTokenReviewRequest(body);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toContain(message);
  });

  it('answers in the apiVersion it was asked in', () => {
    expect(tokenReviewResponse('authentication.k8s.io/v1beta1', { authenticated: false, error: 'no' })).toEqual({
      apiVersion: 'authentication.k8s.io/v1beta1',
      kind: 'TokenReview',
      status: { authenticated: false, error: 'no' },
    });
  });
});
