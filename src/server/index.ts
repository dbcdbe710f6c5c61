/** The host: one HTTPS server for every component (TLS, client-certificate guard, limits, readiness, metrics). */
export { createApp, type AppOptions } from './app.ts';
export { startHttpsServer, type HttpsOptions, type RunningServer } from './https.ts';
export { readTlsFiles, watchTlsFiles, type TlsFiles } from './tls.ts';
export { createRequestListener, type DispatchOptions } from './dispatch.ts';
export type { FastRoute, ReadinessCheck, RequestHandler, ServeComponent, ServeContext, StartedComponent, WebhookHandler } from './types.ts';
export { DEFAULT_BODY_LIMIT, readBody } from './body.ts';
export { peerOf, type Peer } from './peer.ts';
