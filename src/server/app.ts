/**
 * The express app every webhook shares: health, readiness and metrics, then the webhook routers
 * (authn's POST /authenticate, the admission webhook's paths, ...). `createApp({ routers })` is the
 * seam: components mount their Router here and all are served by one HTTPS server (src/server/https.ts).
 *
 * Every webhook router is guarded (dispatch.ts guardWebhook): the client certificate when required
 * (the default: docs/security.md) and the per-client rate limit. Kubelet probes and Prometheus reach
 * /healthz, /readyz and /metrics without one, and so do `openRouters` — public, read-only endpoints
 * that are not webhooks (never an admission or authn path).
 */
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Registry } from 'prom-client';
import { registry as defaultRegistry } from '../metrics/registry.ts';
import { DEFAULT_BODY_LIMIT, readBody } from './body.ts';
import { guardWebhook } from './dispatch.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { ReadinessCheck } from './readiness.ts';

export interface AppOptions {
  routers?: Router[];
  /** Public routers that are not webhooks: no client certificate, no rate limit (e.g. /attestation). */
  openRouters?: Router[];
  readiness?: ReadinessCheck[];
  /** Refuse router requests whose TLS client certificate did not verify against the client CA. */
  requireClientCert?: boolean;
  /** Per-client rate limit of the routers (rate-limit.ts). */
  limiter?: RateLimiter;
  /** Body limits of the routers' paths in bytes (body.ts; default DEFAULT_BODY_LIMIT). */
  bodyLimits?: Record<string, number>;
  metrics?: Registry;
}

export function createApp(options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const metrics = options.metrics ?? defaultRegistry;
  const checks = options.readiness ?? [];

  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const failing = checks.filter((check) => !check.ok()).map((check) => check.name);
    if (failing.length) res.status(503).type('text/plain').send(`not ready: ${failing.join(', ')}`);
    else res.type('text/plain').send('ok');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });

  for (const router of options.openRouters ?? []) app.use(router);
  const guard = { requireClientCert: options.requireClientCert, limiter: options.limiter };
  if (guard.requireClientCert || guard.limiter) app.use((req: Request, res: Response, next: NextFunction) => void (guardWebhook(guard, req, res) && next()));
  // The routers get the raw body as a Buffer, read by the host's one reader up to the path's limit.
  const limits = new Map(Object.entries(options.bodyLimits ?? {}));
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    readBody(req, res, limits.get(req.path) ?? DEFAULT_BODY_LIMIT, (body) => {
      req.body = body;
      next();
    });
  });
  for (const router of options.routers ?? []) app.use(router);

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });
  // Anything a router let slip: JSON, never a stack trace.
  app.use((error: { status?: number; statusCode?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status ?? error.statusCode ?? 500;
    const code = status >= 400 && status < 500 ? status : 500;
    res.status(code).json({ error: code === 413 ? 'request body too large' : code === 500 ? 'internal error' : 'bad request' });
  });
  return app;
}
