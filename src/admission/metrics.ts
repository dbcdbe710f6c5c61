/** Admission decisions, by resource and result (daas_auth_admission_total). */
import client, { type Registry } from 'prom-client';

export type AdmissionResult = 'allowed' | 'denied' | 'unavailable' | 'error';

export function createAdmissionMetrics(registry: Registry = client.register): { decision(resource: 'sealbinding' | 'node', result: AdmissionResult): void } {
  const total = new client.Counter({
    name: 'daas_auth_admission_total',
    help: 'Admission webhook decisions by resource and result',
    labelNames: ['resource', 'result'],
    registers: [registry],
  });
  return { decision: (resource, result) => total.inc({ resource, result }) };
}
