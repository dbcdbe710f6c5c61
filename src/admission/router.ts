/**
 * The validating admission webhook as an express Router, mounted on the same HTTPS server as the
 * authn webhook (src/server). Two endpoints, one per ValidatingWebhookConfiguration entry:
 *
 *   POST /admission/sealbindings   SealBinding CREATE/UPDATE
 *   POST /admission/nodes          Node CREATE
 *
 * A body that is not an admission.k8s.io/v1 AdmissionReview is a 400. Any failure inside a validator
 * is a refusal (fail closed), never an accidental allow.
 */
import express, { type Request, type Response, type Router } from 'express';
import {
  AdmissionReviewError,
  allow,
  deny,
  parseAdmissionReview,
  type AdmissionRequest,
} from '../k8s/admissionreview.ts';
import type { AdmissionDecision } from './decision.ts';

export const ADMISSION_PATHS = { sealBindings: '/admission/sealbindings', nodes: '/admission/nodes' } as const;

export type Validator = (request: AdmissionRequest) => Promise<AdmissionDecision>;

export interface AdmissionRouterDeps {
  validateSealBinding: Validator;
  validateNode: Validator;
  /** Takes one request from the client's budget: 0 when allowed, else seconds to wait (429). */
  rateLimit?(client: string): number;
  /** Called once per decision (metrics, audit log). */
  onDecision?(kind: 'sealbinding' | 'node', request: AdmissionRequest, decision: AdmissionDecision, error?: unknown): void;
}

/** Node objects are a few KiB; SealBindings far less. AdmissionReview carries old and new. */
const BODY_LIMIT = '3mb';

function handler(kind: 'sealbinding' | 'node', validate: Validator, deps: AdmissionRouterDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    let request: AdmissionRequest;
    try {
      request = parseAdmissionReview(req.body).request;
    } catch (error) {
      const message = error instanceof AdmissionReviewError ? error.message : 'malformed AdmissionReview';
      res.status(400).json({ error: message });
      return;
    }
    let decision: AdmissionDecision;
    let failure: unknown;
    try {
      decision = await validate(request);
    } catch (error) {
      failure = error;
      decision = { allowed: false, code: 500, reason: 'InternalError', message: 'the daas-auth admission webhook failed to decide; retry' };
    }
    deps.onDecision?.(kind, request, decision, failure);
    res.json(decision.allowed ? allow(request.uid, decision.warnings) : deny(request.uid, decision.message, decision.code, decision.reason));
  };
}

/** Refuses a client over its budget before the body is even read. */
function limiter(deps: AdmissionRouterDeps) {
  return (req: Request, res: Response, next: () => void): void => {
    const wait = deps.rateLimit?.(req.socket.remoteAddress ?? '') ?? 0;
    if (wait === 0) return next();
    res.setHeader('Retry-After', String(wait));
    res.status(429).json({ error: 'too many admission requests from this client; retry later' });
  };
}

export function createAdmissionRouter(deps: AdmissionRouterDeps): Router {
  const router = express.Router();
  const json = express.json({ limit: BODY_LIMIT, strict: true, type: ['application/json'] });
  const limit = limiter(deps);
  router.post(ADMISSION_PATHS.sealBindings, limit, json, handler('sealbinding', deps.validateSealBinding, deps));
  router.post(ADMISSION_PATHS.nodes, limit, json, handler('node', deps.validateNode, deps));
  return router;
}
