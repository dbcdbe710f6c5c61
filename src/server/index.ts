/** The HTTPS server that carries every webhook: app composition, TLS, readiness, the authn router. */
export { createApp, type AppOptions } from './app.ts';
export { startHttpsServer, type HttpsOptions, type RunningServer } from './https.ts';
export { ChainProbe, type ReadinessCheck } from './readiness.ts';
export { readTlsFiles, watchTlsFiles, type TlsFiles } from './tls.ts';
export { AUTHENTICATE_PATH, createAuthnRouter, type AuthnRouterDeps } from './authenticate.ts';
