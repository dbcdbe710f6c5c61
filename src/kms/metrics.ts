/**
 * Metrics of the KMS plugin, on the process's one registry (src/metrics/registry.ts), served by
 * `daas-auth kms --metrics-port`. No key material and no key id as a label: the current key shows as a
 * number (see currentKey) so the series set stays fixed across rotations.
 */
import { counter, gauge, histogram } from '../metrics/define.ts';

export type KmsOp = 'status' | 'encrypt' | 'decrypt' | 'rotate';

/** `result` is `ok` or the gRPC status name of the refusal (INVALID_ARGUMENT, NOT_FOUND, INTERNAL, …). */
export const kmsOperationsTotal = counter({
  name: 'kms_operations_total',
  help: 'KMS plugin operations, by operation (status, encrypt, decrypt, rotate) and result (ok or a gRPC status)',
  labelNames: ['op', 'result'] as const,
});

export const kmsOperationSeconds = histogram({
  name: 'kms_operation_duration_seconds',
  help: 'Time to answer a KMS plugin operation, by operation',
  labelNames: ['op'] as const,
});

export const kmsCurrentKey = gauge({
  name: 'kms_current_key_id_prefix',
  help: 'The current key id as a number: its first 12 hex digits after "kek-" (changes exactly when the key rotates)',
});

export const kmsKeysHeld = gauge({
  name: 'kms_keys_held',
  help: 'KEKs the plugin holds (the current one and every older one kept for decryption)',
});

export function recordOp(op: KmsOp, result: string, seconds: number): void {
  kmsOperationsTotal.inc({ op, result });
  kmsOperationSeconds.observe({ op }, seconds);
}

export function recordKeys(currentKeyId: string, held: number): void {
  kmsCurrentKey.set(Number.parseInt(currentKeyId.slice('kek-'.length, 'kek-'.length + 12), 16));
  kmsKeysHeld.set(held);
}
