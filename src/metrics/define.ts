/**
 * The one way a room declares its metrics (each room's in its own `<room>/metrics.ts`): counter(), gauge()
 * and histogram() name the metric `daas_auth_<name>` and register it on the process's one registry, or on
 * the registry a test passes. A name given with the prefix already is refused, so no metric is named twice
 * over or without it. Label values must be bounded sets (reason codes, methods, endpoint positions) — never
 * ids, names or tokens.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS, METRIC_PREFIX, registry as processRegistry } from './registry.ts';

export interface MetricSpec<L extends string> {
  /** Without the `daas_auth_` prefix. */
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Default: the process registry served at /metrics. */
  registry?: Registry;
}

function common<L extends string>(spec: MetricSpec<L>) {
  if (spec.name.startsWith(METRIC_PREFIX)) throw new Error(`metric ${spec.name}: give the name without ${METRIC_PREFIX}`);
  return {
    name: `${METRIC_PREFIX}${spec.name}`,
    help: spec.help,
    labelNames: (spec.labelNames ?? []) as L[],
    registers: [spec.registry ?? processRegistry],
  };
}

export function counter<L extends string = never>(spec: MetricSpec<L>): Counter<L> {
  return new Counter<L>(common(spec));
}

/** `collect` runs at scrape time: for values read from elsewhere rather than kept up to date. */
export function gauge<L extends string = never>(spec: MetricSpec<L> & { collect?: (this: Gauge<L>) => void }): Gauge<L> {
  return new Gauge<L>({ ...common(spec), ...(spec.collect ? { collect: spec.collect } : {}) });
}

/** Default buckets: LATENCY_BUCKETS (sub-millisecond cache hits to multi-second chain timeouts). */
export function histogram<L extends string = never>(spec: MetricSpec<L> & { buckets?: number[] }): Histogram<L> {
  return new Histogram<L>({ ...common(spec), buckets: spec.buckets ?? LATENCY_BUCKETS });
}
