/**
 * The server's request listener: hot paths (POST /authenticate) go straight to their plain Node
 * handler, everything else to the express app from createApp. Express costs more per request than
 * the whole TLS + HTTP exchange of a warm TokenReview, so the webhook path does not pay it.
 * The client-certificate rule is the same as the app's: required on webhook paths when configured.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestHandler } from './authenticate.ts';

export interface DispatchOptions {
  app: RequestListener;
  fastRoutes?: Record<string, RequestHandler>;
  requireClientCert?: boolean;
}

export function createRequestListener(options: DispatchOptions): RequestListener {
  const routes = new Map(Object.entries(options.fastRoutes ?? {}));
  if (routes.size === 0) return options.app;
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const handler = routes.get(query < 0 ? url : url.slice(0, query));
    if (!handler) return options.app(req, res);
    if (options.requireClientCert && !(req.socket as TLSSocket).authorized) {
      const body = JSON.stringify({ error: 'a client certificate signed by the configured CA is required' });
      res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      req.resume();
      return;
    }
    handler(req, res);
  };
}
