/**
 * The SealBinding controller as a `serve` component. It starts in the background (its informers
 * retry until the CRD is installed and the apiserver answers) so the webhooks serve meanwhile; the
 * readiness check `controller` turns true once its caches have synced. It reads the process's shared
 * feeds: the Kubernetes client, the SealBinding watcher, the chain event feed and the epoch clock.
 */
import { registry } from '../metrics/registry.ts';
import type { ServeComponent } from '../server/types.ts';
import { SealBindingController, type ControllerTimings } from './controller.ts';

export const controllerComponent: ServeComponent = {
  name: 'controller',
  async start({ config, logger, reader, feeds }) {
    if (!config.controller.enabled) return {};
    if (!feeds.kube || !feeds.bindingWatch) {
      logger.warn('controller not started: no SealBinding watch configured (kubernetes.kubeconfig, kubernetes.watchBindings)');
      return {};
    }
    const controller = new SealBindingController({
      rest: feeds.kube.rest,
      chain: reader,
      events: feeds.events,
      epochs: feeds.epochs,
      bindings: feeds.bindingWatch.informer,
      leaseNamespace: config.controller.leaseNamespace,
      leaseName: config.controller.leaseName,
      tiers: config.tiers,
      expiringWithinEpochs: BigInt(config.controller.expiringWithinEpochs),
      exemptions: config.admission,
      ...(config.controller.identity ? { identity: config.controller.identity } : {}),
      ...(config.controller.ownPod ? { ownPod: config.controller.ownPod } : {}),
      timings: leaderTimings(config.controller),
      registry,
      log: (level, message, fields) => logger.log(level, message, { component: 'controller', ...fields }),
    });
    const started = controller.start().catch((error: unknown) => logger.error('controller failed to start', { error: String(error) }));
    return {
      readiness: [{ name: 'controller', ok: () => controller.ready }],
      stop: async () => {
        await controller.stop(); // also ends a start() still waiting for the first list
        await started;
      },
    };
  },
};

/** The resync and whichever leader-election timings the config sets (the controller's defaults otherwise). */
function leaderTimings(c: { resyncMs: number; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number }): Partial<ControllerTimings> {
  const timings: Partial<ControllerTimings> = { resyncMs: c.resyncMs };
  if (c.leaseDurationMs !== undefined) timings.leaseDurationMs = c.leaseDurationMs;
  if (c.renewDeadlineMs !== undefined) timings.renewDeadlineMs = c.renewDeadlineMs;
  if (c.retryPeriodMs !== undefined) timings.retryPeriodMs = c.retryPeriodMs;
  return timings;
}
