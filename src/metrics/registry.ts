/**
 * The one Prometheus registry of the process, served at /metrics. Every room registers its metrics here
 * through define.ts (counter, gauge, histogram), in its own `<room>/metrics.ts`, all named `daas_auth_*`.
 * Label values must be bounded sets (reason codes, method names, configured endpoints) — never ids,
 * names or tokens.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export const METRIC_PREFIX = 'daas_auth_';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

/** Latency buckets (seconds) from sub-millisecond cache hits to multi-second chain timeouts. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
