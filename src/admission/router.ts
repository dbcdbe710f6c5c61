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
import { jsonText } from '../token/strict-json.ts';

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
export const ADMISSION_BODY_LIMIT = 3 * 1024 * 1024;

/** What the host reads at most on each admission path (src/server/body.ts). */
export const ADMISSION_BODY_LIMITS: Record<string, number> = Object.fromEntries(Object.values(ADMISSION_PATHS).map((path) => [path, ADMISSION_BODY_LIMIT]));

function handler(kind: 'sealbinding' | 'node', validate: Validator, deps: AdmissionRouterDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    // The host (src/server) has read the raw body, up to ADMISSION_BODY_LIMIT.
    const body = req.is('application/json') && Buffer.isBuffer(req.body) ? parseBody(req.body) : { ok: false as const, message: 'Content-Type must be application/json' };
    if (!body.ok) {
      res.status(400).json({ error: body.message });
      return;
    }
    let request: AdmissionRequest;
    try {
      request = parseAdmissionReview(body.value).request;
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

/**
 * UTF-8 JSON without a byte-order mark. Not the token parser: an AdmissionReview carries whole objects
 * (deep nesting, fractional quantities) that kube-apiserver itself serialised.
 */
function parseBody(bytes: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  const text = jsonText(bytes);
  if (!text.ok) return text;
  try {
    return { ok: true, value: JSON.parse(text.text) as unknown };
  } catch {
    return { ok: false, message: 'body is not valid JSON' };
  }
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
  const limit = limiter(deps);
  router.post(ADMISSION_PATHS.sealBindings, limit, handler('sealbinding', deps.validateSealBinding, deps));
  router.post(ADMISSION_PATHS.nodes, limit, handler('node', deps.validateNode, deps));
  return router;
}
