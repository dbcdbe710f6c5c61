/**
 * POST /authorize: kube-apiserver's authorization webhook (SubjectAccessReview, authorization.k8s.io
 * v1 and v1beta1; the request's apiVersion is echoed). It denies requests of daas-auth identities
 * revoked on chain and otherwise has no opinion (src/authz/decision.ts). Like every webhook path it
 * sits behind the client-certificate and rate-limit guard of app.ts.
 *
 * A malformed review is a 400, which kube-apiserver treats as a webhook failure (its failurePolicy
 * decides); every well-formed review gets 200 with the verdict.
 */
import express, { type Request, type Response, type Router } from 'express';
import { decideAuthorization, type AuthorizeDeps } from './decision.ts';
import { parseSubjectAccessReview, sarResponse, type SarRequest } from '../k8s/subjectaccessreview.ts';
import type { Logger } from '../log/index.ts';
import { authorizeSeconds, authorizeTotal } from './metrics.ts';
import { readJsonBytes } from '../token/strict-json.ts';

export const AUTHORIZE_PATH = '/authorize';
/** A review is its user's groups and extra plus a few attributes: well under this. */
export const SAR_BODY_LIMIT = 64 * 1024;

export function createAuthorizeRouter(deps: AuthorizeDeps & { logger: Logger }): Router {
  const router = express.Router();
  // The host (src/server) has read the body, up to SAR_BODY_LIMIT, as raw bytes.
  router.post(AUTHORIZE_PATH, (req: Request, res: Response) => {
    const started = performance.now();
    const parsed = req.is('application/json') && Buffer.isBuffer(req.body) ? readReview(req.body) : 'Content-Type must be application/json';
    if (typeof parsed === 'string') {
      authorizeTotal.inc({ result: 'bad_request' });
      res.status(400).json({ error: parsed });
      return;
    }
    const decision = decideAuthorization(parsed.spec, deps);
    res.json(sarResponse(parsed.apiVersion, decision.status));
    authorizeTotal.inc({ result: decision.result });
    authorizeSeconds.observe((performance.now() - started) / 1000);
    if (decision.status.denied) deps.logger.info('authorization denied', { user: parsed.spec.user, result: decision.result, reason: decision.status.reason });
  });
  router.all(AUTHORIZE_PATH, (_req: Request, res: Response) => void res.status(405).set('allow', 'POST').json({ error: 'use POST' }));
  return router;
}

function readReview(bytes: Buffer): SarRequest | string {
  const body = readJsonBytes(bytes);
  if (!body.ok) return body.message;
  const parsed = parseSubjectAccessReview(body.value);
  return parsed.ok ? parsed.review : parsed.message;
}
