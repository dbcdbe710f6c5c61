/**
 * Metrics of the KMS plugin, on the process's one registry (src/metrics/registry.ts), served by
 * `daas-auth kms --metrics-port`. No key material and no key id as a label: the current key shows as a
 * number (see currentKey) so the series set stays fixed across rotations.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { LATENCY_BUCKETS, METRIC_PREFIX, registry } from '../metrics/registry.ts';

export type KmsOp = 'status' | 'encrypt' | 'decrypt' | 'rotate';

/** `result` is `ok` or the gRPC status name of the refusal (INVALID_ARGUMENT, NOT_FOUND, INTERNAL, …). */
export const kmsOperationsTotal = new Counter({
  name: `${METRIC_PREFIX}kms_operations_total`,
  help: 'KMS plugin operations, by operation (status, encrypt, decrypt, rotate) and result (ok or a gRPC status)',
  labelNames: ['op', 'result'] as const,
  registers: [registry],
});

export const kmsOperationSeconds = new Histogram({
  name: `${METRIC_PREFIX}kms_operation_duration_seconds`,
  help: 'Time to answer a KMS plugin operation, by operation',
  labelNames: ['op'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const kmsCurrentKey = new Gauge({
  name: `${METRIC_PREFIX}kms_current_key_id_prefix`,
  help: 'The current key id as a number: its first 12 hex digits after "kek-" (changes exactly when the key rotates)',
  registers: [registry],
});

export const kmsKeysHeld = new Gauge({
  name: `${METRIC_PREFIX}kms_keys_held`,
  help: 'KEKs the plugin holds (the current one and every older one kept for decryption)',
  registers: [registry],
});

export function recordOp(op: KmsOp, result: string, seconds: number): void {
  kmsOperationsTotal.inc({ op, result });
  kmsOperationSeconds.observe({ op }, seconds);
}

export function recordKeys(currentKeyId: string, held: number): void {
  kmsCurrentKey.set(Number.parseInt(currentKeyId.slice('kek-'.length, 'kek-'.length + 12), 16));
  kmsKeysHeld.set(held);
}
