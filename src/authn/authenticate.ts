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
import express, { type Router } from 'express';
import type { Authenticator, Decision } from './authenticator.ts';
import { parseTokenReviewRequest } from '../k8s/tokenreview.ts';
import { reviewFields, type AuditLog } from '../log/audit.ts';
import type { Logger } from '../log/index.ts';
import { coarseResult, tokenReviewSeconds, tokenReviewTotal } from '../authn/metrics.ts';
import { readJsonBytes } from '../token/strict-json.ts';
import type { FastRoute, WebhookHandler } from '../server/types.ts';
import type { ClusterResolver, ClusterScope } from './cluster-of.ts';
import { ReviewMemo, type MemoEntry, type ParsedReview } from './review-memo.ts';
import { auditFieldsOf, peerFieldsOf, responseJson, warmText } from './answer-text.ts';

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
  const known = deps.memo.get(body);
  const parsed = known?.review ?? readReview(body);
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
    remember(deps.memo, body, parsed, known, d);
    answer(deps, req, res, started, parsed, d, known);
  };
  // Cache hits come back synchronously; only a chain check waits.
  if (decision instanceof Promise) decision.then(settle, (error: unknown) => settle(failed(deps, error)));
  else settle(decision);
}

/** Keeps the parsed body while its token authenticates; forgets it the first time it does not. */
function remember(memo: ReviewMemo, body: Buffer, review: ParsedReview, known: MemoEntry | undefined, decision: Decision): void {
  if (!decision.authenticated) {
    if (known) memo.forget(body);
  } else if (!known && decision.digest !== undefined) memo.remember(body, { review, digest: decision.digest });
}

/** The authenticator does not throw for bad input; reaching here is a bug. Fail closed, not cached. */
function failed(deps: AuthnRouterDeps, error: unknown): Decision {
  deps.logger.error('authenticator failed', { error: (error as Error)?.stack ?? String(error) });
  return { authenticated: false, reason: 'chain_unavailable', error: 'internal error', cached: false };
}

function answer(deps: AuthnRouterDeps, req: IncomingMessage, res: ServerResponse, started: number, review: ParsedReview, decision: Decision, known: MemoEntry | undefined): void {
  if (known && decision.authenticated && decision.cached) {
    // The warm path: the answer and most of the audit line were serialised the first time.
    const warm = warmText(known, decision);
    replyJson(res, 200, warm.response, warm.responseBytes);
    const seconds = (performance.now() - started) / 1000;
    record('authenticated', seconds);
    deps.audit.tokenReview(warm.auditFields, seconds, peerFieldsOf(req.socket));
    return;
  }
  const text = responseJson(review.apiVersion, decision, review.spec.audiences);
  replyJson(res, 200, text, Buffer.byteLength(text));
  const seconds = (performance.now() - started) / 1000;
  const result = decision.authenticated ? 'authenticated' : decision.reason;
  record(result, seconds);
  deps.audit.tokenReview(auditFieldsOf(review, decision), seconds, peerFieldsOf(req.socket), result === 'chain_unavailable' ? 'warn' : 'info');
}

function badRequest(deps: AuthnRouterDeps, req: IncomingMessage, res: ServerResponse, started: number, message: string, status = 400): void {
  const seconds = (performance.now() - started) / 1000;
  record('bad_request', seconds);
  deps.audit.tokenReview(reviewFields({ result: 'bad_request', authenticated: false, error: message }), seconds, peerFieldsOf(req.socket));
  reply(res, status, { error: message });
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === 'application/json') return true;
  if (!contentType) return false;
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}

/** The request's TokenReview, or a message saying why it is not one. */
function readReview(bytes: Buffer): ParsedReview | string {
  const body = readJsonBytes(bytes);
  if (!body.ok) return body.message;
  const review = parseTokenReviewRequest(body.value);
  return review.ok ? review.review : review.message;
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  replyJson(res, status, text, Buffer.byteLength(text), headers);
}

function replyJson(res: ServerResponse, status: number, text: string, bytes: number, headers?: Record<string, string>): void {
  res.writeHead(status, headers ? { 'content-type': 'application/json', 'content-length': bytes, ...headers } : { 'content-type': 'application/json', 'content-length': bytes });
  res.end(text);
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
