/** The process's metrics: one registry, one file per component. */
export { LATENCY_BUCKETS, METRIC_PREFIX, registry } from './registry.ts';
export * from './authn.ts';
export * from './chain.ts';
export * from './attestation.ts';
