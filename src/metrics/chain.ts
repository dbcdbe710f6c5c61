/**
 * Chain request metrics, fed by ChainClient's call hook (`onCall`) for every attempt on every
 * endpoint, plus the current epoch as last read. The `endpoint` label is the endpoint's position in
 * the configuration (`#0`, `#1`, …), never its URL, which may carry credentials or internal hosts.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { CallHook } from '../chain/client.ts';
import { LATENCY_BUCKETS, METRIC_PREFIX, registry } from './registry.ts';

export const chainRequestsTotal = new Counter({
  name: `${METRIC_PREFIX}chain_requests_total`,
  help: 'Sui full-node requests, by method, endpoint (#index) and result (ok, error, unavailable, lagging, wrong_chain, no_headers)',
  labelNames: ['method', 'endpoint', 'result'] as const,
  registers: [registry],
});

export const chainRequestSeconds = new Histogram({
  name: `${METRIC_PREFIX}chain_request_duration_seconds`,
  help: 'Sui full-node request latency, by method and endpoint (#index)',
  labelNames: ['method', 'endpoint'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const currentEpoch = new Gauge({
  name: `${METRIC_PREFIX}current_epoch`,
  help: 'The Sui epoch as last read from the chain',
  registers: [registry],
});

/**
 * 1 when the endpoint's last request got an answer (ok, or a definitive error: it is reachable), 0 when it
 * did not (unavailable). The chain-unreachable alerts read it, so they fire as soon as the `for:` allows
 * instead of waiting for a rate window to drain. The client stays on a working endpoint after a failover,
 * so serve also probes every endpoint on a timer (src/chain/endpoint-probe.ts).
 */
export const chainEndpointUp = new Gauge({
  name: `${METRIC_PREFIX}chain_endpoint_up`,
  help: 'Whether the last request to this Sui endpoint got an answer (1) or none (0)',
  labelNames: ['endpoint'] as const,
  registers: [registry],
});

/** Pass as `onCall` to ChainClient / ChainReader. */
export const chainCallHook: CallHook = (method, endpoint, result, seconds) => {
  chainRequestsTotal.inc({ method, endpoint, result });
  chainRequestSeconds.observe({ method, endpoint }, seconds);
  chainEndpointUp.set({ endpoint }, result === 'unavailable' ? 0 : 1);
};
