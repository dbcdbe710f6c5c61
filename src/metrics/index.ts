/**
 * The process's metrics: one registry and the one helper (define.ts) every room declares its metrics with,
 * each room in its own `<room>/metrics.ts`. Nothing here imports a room.
 */
export { LATENCY_BUCKETS, METRIC_PREFIX, registry } from './registry.ts';
export { counter, gauge, histogram, type MetricSpec } from './define.ts';
