/**
 * The SealBinding controller as a `serve` component. It starts in the background (its informers
 * retry until the CRD is installed and the apiserver answers) so the webhooks serve meanwhile; the
 * readiness check `controller` turns true once its caches have synced.
 */
import { KubeRest } from '../k8s/rest.ts';
import { registry } from '../metrics/registry.ts';
import type { ServeComponent } from '../server/serve.ts';
import { SealBindingController } from './controller.ts';

export const controllerComponent: ServeComponent = {
  name: 'controller',
  async start({ config, logger, reader, kubeConfig }) {
    if (!config.controller.enabled) return {};
    if (!kubeConfig) {
      logger.warn('controller not started: no Kubernetes access configured (kubernetes.kubeconfig)');
      return {};
    }
    const rest = await KubeRest.fromKubeConfig(kubeConfig);
    const controller = new SealBindingController({
      rest,
      chain: reader,
      leaseNamespace: config.controller.leaseNamespace,
      leaseName: config.controller.leaseName,
      tiers: config.tiers,
      expiringWithinEpochs: BigInt(config.controller.expiringWithinEpochs),
      exemptions: config.admission,
      timings: { resyncMs: config.controller.resyncMs, chainPollMs: config.network.eventPollMs },
      registry,
      log: (level, message, fields) => logger.log(level, message, { component: 'controller', ...fields }),
    });
    const started = controller.start().catch((error: unknown) => logger.error('controller failed to start', { error: String(error) }));
    return {
      readiness: [{ name: 'controller', ok: () => controller.ready }],
      stop: async () => {
        await controller.stop(); // also ends a start() still waiting for the first list
        await started;
        rest.close();
      },
    };
  },
};
