/**
 * The text of a TokenReview answer and of its audit line's fields, serialised once and reused: the
 * warm path answers the same body for the same identity many times over, so its answer and most of
 * its audit line are the same strings each time (bench/tokenreview; docs/benchmarks.md). Everything
 * here is derived from the one general form (tokenReviewResponse, reviewFields), and
 * test/unit/server checks the two agree byte for byte.
 */
import type { Socket } from 'node:net';
import { tokenReviewResponse, type TokenReviewApiVersion, type TokenReviewStatus } from '../k8s/tokenreview.ts';
import { peerFields, reviewFields, type ReviewFields } from '../log/audit.ts';
import { peerOf } from '../server/peer.ts';
import { shortHash, tokenHash } from '../token/hash.ts';
import type { Decision } from './authenticator.ts';
import type { MemoEntry, ParsedReview, WarmText } from './review-memo.ts';

type Authenticated = Extract<Decision, { authenticated: true }>;

/** The warm text of `entry` for `decision`, made on first use and kept on the memo entry. */
export function warmText(entry: MemoEntry, decision: Authenticated): WarmText {
  const known = entry.warm;
  if (known && known.user === decision.user && sameStrings(known.audiences, decision.audiences)) return known;
  const { review } = entry;
  const response = responseJson(review.apiVersion, decision, review.spec.audiences);
  const warm: WarmText = {
    user: decision.user,
    audiences: decision.audiences,
    response,
    responseBytes: Buffer.byteLength(response),
    auditFields: auditFieldsOf(review, decision),
  };
  entry.warm = warm;
  return warm;
}

/** The audit line's fields before `seconds`, for any decision (the general path). */
export function auditFieldsOf(review: ParsedReview, decision: Decision): string {
  const fields: ReviewFields = {
    tokenHash: decision.digest ? shortHash(decision.digest) : tokenHash(review.spec.token),
    apiVersion: review.apiVersion,
    result: decision.authenticated ? 'authenticated' : decision.reason,
    authenticated: decision.authenticated,
    cached: decision.cached,
    error: 'error' in decision ? decision.error : undefined,
    audiences: review.spec.audiences,
  };
  return reviewFields(fields, identityFields(decision));
}

/** The audit line's peer fields of a connection, serialised once per connection. */
const PEER_FIELDS = new WeakMap<object, string>();

export function peerFieldsOf(socket: Socket): string {
  const peer = peerOf(socket);
  let fields = PEER_FIELDS.get(peer);
  if (fields === undefined) PEER_FIELDS.set(peer, (fields = peerFields(peer)));
  return fields;
}

/** Serialised identity and claim fields of audit lines, per cached user / claims object. */
const IDENTITY_FIELDS = new WeakMap<object, string>();

function identityFields(decision: Decision): string | undefined {
  const key = decision.authenticated ? decision.user : decision.claims;
  if (!key) return undefined;
  let fields = IDENTITY_FIELDS.get(key);
  if (fields === undefined) {
    const claims = decision.claims;
    const json = JSON.stringify({
      ...(decision.authenticated ? { username: decision.user.username, groups: decision.user.groups, tier: decision.identity.tier } : {}),
      ...(claims ? { sub: claims.sub, tok: claims.tok, aud: claims.aud, node: claims.node } : {}),
    });
    fields = json.slice(1, -1);
    IDENTITY_FIELDS.set(key, fields);
  }
  return fields || undefined;
}

/** The response body: JSON.stringify(tokenReviewResponse(apiVersion, statusOf(...))). */
export function responseJson(apiVersion: TokenReviewApiVersion, decision: Decision, requested: readonly string[] | undefined): string {
  return JSON.stringify(tokenReviewResponse(apiVersion, statusOf(decision, requested)));
}

function statusOf(decision: Decision, requested: readonly string[] | undefined): TokenReviewStatus {
  if (decision.authenticated) {
    const status: TokenReviewStatus = { authenticated: true, user: decision.user };
    if (requested?.length) status.audiences = decision.audiences;
    return status;
  }
  if ('error' in decision) return { authenticated: false, error: decision.error };
  return { authenticated: false };
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
