/** An AdmissionReview for a SealBinding as kube-apiserver sends it (override any request field). */
import type { AdmissionRequest } from '../../../src/k8s/admissionreview.ts';

export function review(request: Partial<AdmissionRequest> & { object?: unknown; oldObject?: unknown }) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'req-1',
      kind: { group: 'daas.io', version: 'v1alpha1', kind: 'SealBinding' },
      resource: { group: 'daas.io', version: 'v1alpha1', resource: 'sealbindings' },
      operation: 'CREATE',
      userInfo: { username: 'alice' },
      ...request,
    },
  };
}
