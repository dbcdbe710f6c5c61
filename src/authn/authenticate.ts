/**
 * POST /authenticate: kube-apiserver's TokenReview webhook (authentication.k8s.io v1 and v1beta1).
 *
 * The body is read raw and parsed with the same strict JSON parser as token claims (duplicate keys
 * refused), then validated field by field. A malformed request is a 400; every well-formed review
 * gets 200 with the verdict: `authenticated: true` with the user, a definitive refusal as
 * `authenticated: false` without `error` (the apiserver may cache it), and "could not check" as
 * `authenticated: false` with `error` (not a verdict). The apiVersion of the request is echoed.
 *
 * This is the hot path, so it is a plain Node request handler (no body-parser, no express response
 * helpers): the host (src/server/dispatch.ts) dispatches the path to it before express. createAuthnRouter mounts the same
 * handler in an express app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import express, { type Router } from 'express';
import type { Authenticator, Decision } from './authenticator.ts';
import { parseTokenReviewRequest, tokenReviewResponse, type TokenReviewApiVersion, type TokenReviewStatus } from '../k8s/tokenreview.ts';
import type { AuditLog, TokenReviewAudit } from '../log/audit.ts';
import type { Logger } from '../log/index.ts';
import { coarseResult, tokenReviewSeconds, tokenReviewTotal } from '../authn/metrics.ts';
import { shortHash, tokenHash } from '../token/hash.ts';
import { jsonText, readJsonBody } from '../token/strict-json.ts';
import type { FastRoute, WebhookHandler } from '../server/types.ts';
import type { ClusterResolver, ClusterScope } from './cluster-of.ts';
import { ReviewMemo, type MemoEntry, type ParsedReview } from './review-memo.ts';

export const AUTHENTICATE_PATH = '/authenticate';
/** A token is ≤ 8 KiB; audiences and envelope add little. */
export const TOKENREVIEW_BODY_LIMIT = 64 * 1024;


export interface AuthnRouterDeps {
  authenticator: Pick<Authenticator, 'decide' | 'cache'>;
  /** For unexpected failures. */
  logger: Logger;
  /** One line per decision. */
  audit: AuditLog;
  /** Parsed bodies of recent authenticated reviews (review-memo.ts); a default-sized one if absent. */
  memo?: ReviewMemo;
  /**
   * Tells which cluster sent a review (cluster-of.ts): its tokens only are accepted. Absent: any of
   * the authenticator's clusters (tests of a single-cluster authenticator).
   */
  clusters?: ClusterResolver;
}

type HandlerDeps = AuthnRouterDeps & { memo: ReviewMemo };


/** The TokenReview handler; the host (src/server) has read the body, up to TOKENREVIEW_BODY_LIMIT. */
export function createTokenReviewHandler(options: AuthnRouterDeps): WebhookHandler {
  const deps: HandlerDeps = { ...options, memo: options.memo ?? new ReviewMemo() };
  return (req, res, body) => {
    const started = performance.now();
    if (!isJson(req.headers['content-type'])) {
      badRequest(deps, req, res, started, 'Content-Type must be application/json');
      return;
    }
    const scope = deps.clusters?.resolve(req);
    if (typeof scope === 'string') {
      badRequest(deps, req, res, started, scope, 403);
      return;
    }
    review(deps, req, res, started, body, scope);
  };
}

/** The fast routes of the webhook: POST /authenticate and each /authenticate/<cluster id>. */
export function tokenReviewRoutes(deps: AuthnRouterDeps): Record<string, FastRoute> {
  const route: FastRoute = { handle: createTokenReviewHandler(deps), maxBodyBytes: TOKENREVIEW_BODY_LIMIT };
  return Object.fromEntries((deps.clusters?.paths ?? [AUTHENTICATE_PATH]).map((path) => [path, route]));
}

/** The same handler as an express Router (for apps composed with createApp, which reads the body). */
export function createAuthnRouter(deps: AuthnRouterDeps): Router {
  const router = express.Router();
  const handler = createTokenReviewHandler(deps);
  // A set, not route patterns: cluster ids may hold characters path patterns give meaning to.
  const paths = new Set(deps.clusters?.paths ?? [AUTHENTICATE_PATH]);
  router.use((req, res, next) => {
    if (!paths.has(req.path)) next();
    else if (req.method !== 'POST') reply(res, 405, { error: 'use POST' }, { allow: 'POST' });
    else handler(req, res, req.body as Buffer);
  });
  return router;
}

function review(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse, started: number, body: Buffer, scope: ClusterScope | undefined): void {
  const decoded = jsonText(body);
  if (!decoded.ok) {
    badRequest(deps, req, res, started, decoded.message);
    return;
  }
  const text = decoded.text;
  const known = deps.memo.get(text);
  const parsed = known?.review ?? readReview(text);
  if (typeof parsed === 'string') {
    badRequest(deps, req, res, started, parsed);
    return;
  }
  let decision: Decision | Promise<Decision>;
  try {
    decision = deps.authenticator.decide(parsed.spec.token, parsed.spec.audiences, known?.digest, scope);
  } catch (error) {
    decision = failed(deps, error);
  }
  const settle = (d: Decision) => {
    remember(deps.memo, text, parsed, known, d);
    answer(deps, req, res, started, parsed, d);
  };
  // Cache hits come back synchronously; only a chain check waits.
  if (decision instanceof Promise) decision.then(settle, (error: unknown) => settle(failed(deps, error)));
  else settle(decision);
}

/** Keeps the parsed body while its token authenticates; forgets it the first time it does not. */
function remember(memo: ReviewMemo, text: string, review: ParsedReview, known: MemoEntry | undefined, decision: Decision): void {
  if (!decision.authenticated) {
    if (known) memo.forget(text);
  } else if (!known && decision.digest !== undefined) memo.remember(text, { review, digest: decision.digest });
}

/** The authenticator does not throw for bad input; reaching here is a bug. Fail closed, not cached. */
function failed(deps: AuthnRouterDeps, error: unknown): Decision {
  deps.logger.error('authenticator failed', { error: (error as Error)?.stack ?? String(error) });
  return { authenticated: false, reason: 'chain_unavailable', error: 'internal error', cached: false };
}

function answer(deps: AuthnRouterDeps, req: IncomingMessage, res: ServerResponse, started: number, review: ParsedReview, decision: Decision): void {
  const { apiVersion, spec } = review;
  replyJson(res, 200, responseJson(apiVersion, decision, spec.audiences));
  const result = decision.authenticated ? 'authenticated' : decision.reason;
  const seconds = (performance.now() - started) / 1000;
  record(result, seconds);
  const entry: TokenReviewAudit = {
    tokenHash: decision.digest ? shortHash(decision.digest) : tokenHash(spec.token),
    apiVersion,
    result,
    authenticated: decision.authenticated,
    cached: decision.cached,
    ...('error' in decision ? { error: decision.error } : {}),
    ...(spec.audiences ? { audiences: spec.audiences } : {}),
    seconds,
    ...peer(req),
  };
  deps.audit.tokenReview(entry, identityFields(decision));
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

function badRequest(deps: AuthnRouterDeps, req: IncomingMessage, res: ServerResponse, started: number, message: string, status = 400): void {
  const seconds = (performance.now() - started) / 1000;
  record('bad_request', seconds);
  deps.audit.tokenReview({ result: 'bad_request', authenticated: false, error: message, seconds, ...peer(req) });
  reply(res, status, { error: message });
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}

/** The request's TokenReview, or a message saying why it is not one. */
function readReview(text: string): ParsedReview | string {
  const body = readJsonBody(text);
  if (!body.ok) return body.message;
  const review = parseTokenReviewRequest(body.value);
  return review.ok ? review.review : review.message;
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  replyJson(res, status, JSON.stringify(body), headers);
}

function replyJson(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Serialised users, per cached identity object: a warm review does not re-serialise its user. */
const USER_JSON = new WeakMap<object, string>();

/**
 * The response body: JSON.stringify(tokenReviewResponse(apiVersion, statusOf(...))), assembled from
 * the memoised user JSON for authenticated decisions (test/unit/server checks they are identical).
 */
export function responseJson(apiVersion: TokenReviewApiVersion, decision: Decision, requested: string[] | undefined): string {
  if (!decision.authenticated) return JSON.stringify(tokenReviewResponse(apiVersion, statusOf(decision, requested)));
  let user = USER_JSON.get(decision.user);
  if (user === undefined) USER_JSON.set(decision.user, (user = JSON.stringify(decision.user)));
  const audiences = requested?.length ? `,"audiences":${JSON.stringify(decision.audiences)}` : '';
  return `{"apiVersion":${JSON.stringify(apiVersion)},"kind":"TokenReview","status":{"authenticated":true,"user":${user}${audiences}}}`;
}

function peer(req: IncomingMessage): Pick<TokenReviewAudit, 'remote' | 'clientCn'> {
  const socket = req.socket as TLSSocket;
  const out: Pick<TokenReviewAudit, 'remote' | 'clientCn'> = { remote: socket.remoteAddress };
  if (socket.authorized) {
    const cn = socket.getPeerCertificate?.()?.subject?.CN;
    if (typeof cn === 'string') out.clientCn = cn;
  }
  return out;
}

function statusOf(decision: Decision, requested: string[] | undefined): TokenReviewStatus {
  if (decision.authenticated) {
    const status: TokenReviewStatus = { authenticated: true, user: decision.user };
    if (requested?.length) status.audiences = decision.audiences;
    return status;
  }
  if ('error' in decision) return { authenticated: false, error: decision.error };
  return { authenticated: false };
}

/** prom-client children per result label, so a review does not re-hash its label set. */
const COUNTERS = new Map<string, { inc(): void }>();
const HISTOGRAMS = new Map<string, { observe(value: number): void }>();

function record(result: string, seconds: number): void {
  let counter = COUNTERS.get(result);
  if (!counter) COUNTERS.set(result, (counter = tokenReviewTotal.labels({ result })));
  counter.inc();
  const coarse = coarseResult(result);
  let histogram = HISTOGRAMS.get(coarse);
  if (!histogram) HISTOGRAMS.set(coarse, (histogram = tokenReviewSeconds.labels({ result: coarse })));
  histogram.observe(seconds);
}
