/**
 * The admission webhook as a `serve` component: mounts /admission/sealbindings and /admission/nodes
 * on the shared HTTPS server. Like every webhook path they require kube-apiserver's client certificate
 * (given to it through an AdmissionConfiguration whose kubeconfig names the certificate) and are
 * rate-limited per client: docs/security.md.
 */
import { getNode, listSealBindingsForNode } from '../k8s/api.ts';
import { registry } from '../metrics/registry.ts';
import type { ServeComponent } from '../server/types.ts';
import { activeBindingsForNode, bindingsForNode, type BindingLookupSource } from './lookup.ts';
import { subjectAccessReviewGrant } from './grant.ts';
import { ClientBuckets } from '../server/rate-limit.ts';
import { createAdmissionMetrics } from './metrics.ts';
import { validateNodeCreate } from './node.ts';
import { ADMISSION_BODY_LIMITS, createAdmissionRouter } from './router.ts';
import { validateSealBinding } from './sealbinding.ts';

export const admissionComponent: ServeComponent = {
  name: 'admission',
  async start({ config, logger, reader, feeds }) {
    if (!config.admission.enabled) return {};
    const { bindings, kube } = feeds;
    if (!kube) {
      logger.warn('admission webhook not started: no Kubernetes access configured (kubernetes.kubeconfig)');
      return {};
    }
    const { rest } = kube; // the process's one client (src/feeds/kube.ts), closed by the host
    const source: BindingLookupSource = { index: bindings, listForNode: (node) => listSealBindingsForNode(rest, node) };
    const metrics = createAdmissionMetrics(registry);
    const exemptions = { exemptNodeNames: config.admission.exemptNodeNames, exemptNodeLabels: config.admission.exemptNodeLabels };
    const bindingDeps = {
      chain: reader,
      bindingsForNode: bindingsForNode(source),
      getNode: (name: string) => getNode(rest, name),
      mayBindAnyOwner: subjectAccessReviewGrant(rest),
      exemptions,
      drainLimits: config.admission.drainPolicyLimits,
    };
    // Per client address: each answer may cost a Node GET, a SubjectAccessReview and chain reads, so one
    // caller must not turn the webhook into a load amplifier (429 → the webhook's failurePolicy: Fail).
    const limiter = new ClientBuckets(config.admission.rateLimit);
    const router = createAdmissionRouter({
      validateSealBinding: (request) => validateSealBinding(request, bindingDeps),
      validateNode: (request) => validateNodeCreate(request, { config: exemptions, bindingsForNode: activeBindingsForNode(source) }),
      rateLimit: (client) => limiter.take(client, performance.now()),
      onDecision: (resource, request, decision, error) => {
        const result = decision.allowed ? 'allowed' : decision.code === 503 ? 'unavailable' : decision.code === 500 ? 'error' : 'denied';
        metrics.decision(resource, result);
        const fields = { resource, operation: request.operation, name: request.name ?? '', user: request.userInfo.username ?? '', result, ...(decision.allowed ? {} : { reason: decision.message }) };
        if (error) logger.error('admission validator failed', { ...fields, error: String(error) });
        else logger.info('admission decision', fields);
      },
    });
    return { routers: [router], bodyLimits: ADMISSION_BODY_LIMITS };
  },
};
