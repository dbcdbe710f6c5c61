/**
 * Readiness: the webhook is ready only while the chain answers (the epoch clock's last read
 * succeeded, src/feeds/epoch.ts) and, when kubelet tokens are served, once the SealBinding watcher has
 * listed; components add their own checks. Liveness (/healthz) is separate and only says the process
 * serves HTTP.
 */
export type { ReadinessCheck } from './types.ts';
