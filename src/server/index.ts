/** The host: one HTTPS server for every component (TLS, client-certificate guard, limits, readiness, metrics). */
export { createApp, type AppOptions } from './app.ts';
export { startHttpsServer, type HttpsOptions, type RunningServer } from './https.ts';
export { readTlsFiles, watchTlsFiles, type TlsFiles } from './tls.ts';
export { createRequestListener, type DispatchOptions } from './dispatch.ts';
export type { ReadinessCheck, RequestHandler, ServeComponent, ServeContext, StartedComponent } from './types.ts';
