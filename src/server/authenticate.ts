/**
 * POST /authenticate: kube-apiserver's TokenReview webhook (authentication.k8s.io v1 and v1beta1).
 *
 * The body is read raw and parsed with the same strict JSON parser as token claims (duplicate keys
 * refused), then validated field by field. A malformed request is a 400; every well-formed review
 * gets 200 with the verdict: `authenticated: true` with the user, a definitive refusal as
 * `authenticated: false` without `error` (the apiserver may cache it), and "could not check" as
 * `authenticated: false` with `error` (not a verdict). The apiVersion of the request is echoed.
 */
import type { TLSSocket } from 'node:tls';
import express, { type Request, type Response, type Router } from 'express';
import type { Authenticator, Decision } from '../authn/authenticator.ts';
import { parseTokenReviewRequest, tokenReviewResponse, type TokenReviewApiVersion, type TokenReviewStatus } from '../k8s/tokenreview.ts';
import { auditTokenReview } from '../log/audit.ts';
import type { Logger } from '../log/index.ts';
import { cacheEntries, coarseResult, tokenReviewSeconds, tokenReviewTotal } from '../metrics/authn.ts';
import { tokenHash } from '../token/hash.ts';
import { parseStrictJson, StrictJsonError } from '../token/strict-json.ts';

export const AUTHENTICATE_PATH = '/authenticate';
/** A token is ≤ 8 KiB; audiences and envelope add little. */
export const TOKENREVIEW_BODY_LIMIT = 64 * 1024;

export interface AuthnRouterDeps {
  authenticator: Pick<Authenticator, 'authenticate' | 'cache'>;
  logger: Logger;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function createAuthnRouter(deps: AuthnRouterDeps): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: TOKENREVIEW_BODY_LIMIT });
  router.post(AUTHENTICATE_PATH, raw, (req, res) => void handle(req, res, deps));
  return router;
}

async function handle(req: Request, res: Response, deps: AuthnRouterDeps): Promise<void> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const parsed = readReview(req);
  if (typeof parsed === 'string') {
    record('bad_request', seconds());
    auditTokenReview(deps.logger, { result: 'bad_request', authenticated: false, error: parsed, seconds: seconds(), remote: req.socket.remoteAddress });
    res.status(400).json({ error: parsed });
    return;
  }
  const { apiVersion, spec } = parsed;
  let decision: Decision;
  try {
    decision = await deps.authenticator.authenticate(spec.token, spec.audiences);
  } catch (error) {
    // The authenticator does not throw for bad input; reaching here is a bug. Fail closed, not cached.
    deps.logger.error('authenticator failed', { error: (error as Error)?.stack ?? String(error) });
    decision = { authenticated: false, reason: 'chain_unavailable', error: 'internal error', cached: false };
  }
  res.status(200).json(tokenReviewResponse(apiVersion, statusOf(decision, spec.audiences)));
  const result = decision.authenticated ? 'authenticated' : decision.reason;
  record(result, seconds());
  cacheEntries.set(deps.authenticator.cache.size);
  auditTokenReview(deps.logger, {
    ...auditFields(decision, result, apiVersion, spec.token, seconds(), req.socket.remoteAddress),
    ...(spec.audiences ? { audiences: spec.audiences } : {}),
    ...clientCn(req),
  });
}

/** The request's TokenReview, or a message saying why it is not one. */
function readReview(req: Request): { apiVersion: TokenReviewApiVersion; spec: { token: string; audiences?: string[] } } | string {
  if (!req.is('application/json')) return 'Content-Type must be application/json';
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) return 'empty body';
  let body: unknown;
  try {
    body = parseStrictJson(utf8.decode(req.body));
  } catch (error) {
    return error instanceof StrictJsonError && error.code === 'duplicate_key' ? 'duplicate key in body' : 'body is not valid JSON';
  }
  const review = parseTokenReviewRequest(body);
  return review.ok ? review.review : review.message;
}

function clientCn(req: Request): { clientCn?: string } {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return {};
  const cn = socket.getPeerCertificate?.()?.subject?.CN;
  return typeof cn === 'string' ? { clientCn: cn } : {};
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

function record(result: string, seconds: number): void {
  tokenReviewTotal.inc({ result });
  tokenReviewSeconds.observe({ result: coarseResult(result) }, seconds);
}

function auditFields(decision: Decision, result: string, apiVersion: string, token: string, seconds: number, remote: string | undefined) {
  const claims = decision.claims;
  return {
    tokenHash: tokenHash(token),
    apiVersion,
    result,
    authenticated: decision.authenticated,
    cached: decision.cached,
    ...(decision.authenticated ? { username: decision.user.username, groups: decision.user.groups, tier: decision.identity.tier } : {}),
    ...(claims ? { sub: claims.sub, tok: claims.tok, aud: claims.aud, node: claims.node } : {}),
    ...('error' in decision ? { error: decision.error } : {}),
    seconds,
    remote,
  };
}
