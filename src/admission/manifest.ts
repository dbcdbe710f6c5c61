/**
 * The ValidatingWebhookConfiguration that points kube-apiserver at src/admission/router.ts. Built as
 * an object (the test bed applies it; `daas-auth binding webhook-manifest` prints it as YAML for
 * operators and the chart).
 *
 * - admissionReviewVersions v1 only; sideEffects None (the webhook writes nothing);
 * - matchPolicy Equivalent, so a future SealBinding version still reaches the webhook;
 * - the node webhook's objectSelector leaves out nodes with the exempt label keys, so control-plane
 *   nodes can register even when the webhook is down (the webhook exempts them too, for value matches
 *   and exempt names);
 * - failure policies from AdmissionConfig (default Fail for both; docs/admission.md says why).
 */
import { ADMISSION_PATHS } from './router.ts';
import { DEFAULT_ADMISSION_CONFIG, type AdmissionConfig, type FailurePolicy } from '../config/admission.ts';
import { SEALBINDING_GROUP, SEALBINDING_PLURAL, SEALBINDING_VERSION } from '../k8s/sealbinding.ts';

export const WEBHOOK_CONFIGURATION_NAME = 'daas-auth';

export type WebhookEndpoint =
  | { url: string }
  | { service: { namespace: string; name: string; port?: number } };

export interface ManifestOptions {
  endpoint: WebhookEndpoint;
  /** PEM of the CA that signed the webhook's serving certificate. */
  caBundlePem: string;
  config?: Pick<AdmissionConfig, 'failurePolicy' | 'timeoutSeconds' | 'exemptNodeLabels'>;
  name?: string;
}

function clientConfig(endpoint: WebhookEndpoint, path: string, caBundle: string): ValidatingWebhook['clientConfig'] {
  if ('url' in endpoint) return { url: `${endpoint.url.replace(/\/$/, '')}${path}`, caBundle };
  return { service: { ...endpoint.service, path }, caBundle };
}

export interface ValidatingWebhook {
  name: string;
  clientConfig: { url: string; caBundle: string } | { service: { namespace: string; name: string; port?: number; path: string }; caBundle: string };
  rules: Array<{ apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[]; scope: string }>;
  failurePolicy: FailurePolicy;
  objectSelector?: { matchExpressions: Array<{ key: string; operator: string }> };
  admissionReviewVersions: string[];
  sideEffects: string;
  matchPolicy: string;
  timeoutSeconds: number;
}

export interface ValidatingWebhookConfiguration {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'ValidatingWebhookConfiguration';
  metadata: { name: string };
  webhooks: ValidatingWebhook[];
}

export function validatingWebhookConfiguration(options: ManifestOptions): ValidatingWebhookConfiguration {
  const config = options.config ?? DEFAULT_ADMISSION_CONFIG;
  const caBundle = Buffer.from(options.caBundlePem, 'utf8').toString('base64');
  const common = {
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    matchPolicy: 'Equivalent',
    timeoutSeconds: config.timeoutSeconds,
  };
  const exemptKeys = [...new Set(config.exemptNodeLabels.filter((l) => l.value === undefined).map((l) => l.key))];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: options.name ?? WEBHOOK_CONFIGURATION_NAME },
    webhooks: [
      {
        name: 'sealbindings.admission.daas.io',
        clientConfig: clientConfig(options.endpoint, ADMISSION_PATHS.sealBindings, caBundle),
        rules: [{ apiGroups: [SEALBINDING_GROUP], apiVersions: [SEALBINDING_VERSION], operations: ['CREATE', 'UPDATE'], resources: [SEALBINDING_PLURAL], scope: 'Cluster' }],
        failurePolicy: config.failurePolicy.sealBindings,
        ...common,
      },
      {
        name: 'nodes.admission.daas.io',
        clientConfig: clientConfig(options.endpoint, ADMISSION_PATHS.nodes, caBundle),
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['nodes'], scope: 'Cluster' }],
        failurePolicy: config.failurePolicy.nodes,
        objectSelector: { matchExpressions: exemptKeys.map((key) => ({ key, operator: 'DoesNotExist' })) },
        ...common,
      },
    ],
  };
}
