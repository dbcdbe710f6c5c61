/** Admission decisions, by resource and result (daas_auth_admission_total). */
import client, { type Registry } from 'prom-client';
import { counter } from '../metrics/define.ts';

export type AdmissionResult = 'allowed' | 'denied' | 'unavailable' | 'error';

export function createAdmissionMetrics(registry: Registry = client.register): { decision(resource: 'sealbinding' | 'node', result: AdmissionResult): void } {
  const total = counter({
    name: 'admission_total',
    help: 'Admission webhook decisions by resource and result',
    labelNames: ['resource', 'result'],
    registry,
  });
  return { decision: (resource, result) => total.inc({ resource, result }) };
}
