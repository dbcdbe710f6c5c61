// The admission webhook of `daas-auth serve` (docs/admission.md), registered with the run's cluster: a
// ValidatingWebhookConfiguration for SealBindings and Nodes pointing at serve's HTTPS port.
//
// Nodes that tests create through createKwokNode() carry E2E_UNBOUND_LABEL unless they ask to be bound
// (`{ bound: true }`): the configuration's objectSelector leaves them out, exactly as it leaves out
// control-plane nodes, so only the tests about onboarding need a SealBinding for their nodes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyFiles } from '../../../hack/lib/manifests.ts';
import { DEFAULT_ADMISSION_CONFIG } from '../../../src/config/admission.ts';
import { validatingWebhookConfiguration } from '../../../src/admission/manifest.ts';
import type { SetupStep } from './setup-steps.ts';

/** Label key of test nodes that are admitted without a SealBinding. */
export const E2E_UNBOUND_LABEL = 'daas.io/e2e-unbound';

export const installAdmissionWebhookStep: SetupStep = {
  name: 'register the admission webhook (ValidatingWebhookConfiguration)',
  run: async (ctx) => {
    const { cluster, webhook } = ctx.env;
    if (!cluster || !webhook) throw new Error('the cluster and daas-auth serve must run before the admission webhook is registered');
    // Only `daas-auth serve` answers admission reviews; with the recording stand-in there is nothing to register.
    if (webhook.kind !== 'daas-auth') return;
    const manifest = validatingWebhookConfiguration({
      endpoint: { url: `https://127.0.0.1:${webhook.port}` },
      caBundlePem: readFileSync(cluster.webhook.caFile, 'utf8'),
      config: { ...DEFAULT_ADMISSION_CONFIG, exemptNodeLabels: [...DEFAULT_ADMISSION_CONFIG.exemptNodeLabels, { key: E2E_UNBOUND_LABEL }] },
    });
    const file = join(ctx.runDir, 'validating-webhook-configuration.json');
    writeFileSync(file, JSON.stringify(manifest, null, 2));
    await applyFiles(cluster, [file]);
  },
};
