/**
 * Chain request metrics, fed by ChainClient's call hook (`onCall`) for every attempt on every
 * endpoint, plus the current epoch as last read. The `endpoint` label is the endpoint's position in
 * the configuration (`#0`, `#1`, …), never its URL, which may carry credentials or internal hosts.
 */
import type { CallHook } from './client.ts';
import { counter, gauge, histogram } from '../metrics/define.ts';

export const chainRequestsTotal = counter({
  name: 'chain_requests_total',
  help: 'Sui full-node requests, by method, endpoint (#index) and result (ok, error, unavailable, lagging, wrong_chain, no_headers)',
  labelNames: ['method', 'endpoint', 'result'] as const,
});

export const chainRequestSeconds = histogram({
  name: 'chain_request_duration_seconds',
  help: 'Sui full-node request latency, by method and endpoint (#index)',
  labelNames: ['method', 'endpoint'] as const,
});

export const currentEpoch = gauge({
  name: 'current_epoch',
  help: 'The Sui epoch as last read from the chain',
});

/**
 * 1 when the endpoint's last request got an answer (ok, or a definitive error: it is reachable), 0 when it
 * did not (unavailable). The chain-unreachable alerts read it, so they fire as soon as the `for:` allows
 * instead of waiting for a rate window to drain. The client stays on a working endpoint after a failover,
 * so serve also probes every endpoint on a timer (src/chain/endpoint-probe.ts).
 */
export const chainEndpointUp = gauge({
  name: 'chain_endpoint_up',
  help: 'Whether the last request to this Sui endpoint got an answer (1) or none (0)',
  labelNames: ['endpoint'] as const,
});

/** Pass as `onCall` to ChainClient / ChainReader. */
export const chainCallHook: CallHook = (method, endpoint, result, seconds) => {
  chainRequestsTotal.inc({ method, endpoint, result });
  chainRequestSeconds.observe({ method, endpoint }, seconds);
  chainEndpointUp.set({ endpoint }, result === 'unavailable' ? 0 : 1);
};
