/** The HTTPS server that carries every webhook: app composition, TLS, readiness, the authn router. */
export { createApp, type AppOptions } from './app.ts';
export { startHttpsServer, type HttpsOptions, type RunningServer } from './https.ts';
export { ChainProbe, type ReadinessCheck } from './readiness.ts';
export { readTlsFiles, watchTlsFiles, type TlsFiles } from './tls.ts';
export { AUTHENTICATE_PATH, createAuthnRouter, createTokenReviewHandler, type AuthnRouterDeps, type RequestHandler } from './authenticate.ts';
export { createRequestListener, type DispatchOptions } from './dispatch.ts';
