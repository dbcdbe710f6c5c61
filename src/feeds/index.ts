/**
 * The shared feeds of one `daas-auth serve` process (issue 14 item 3), made once and handed to every
 * component through the serve context: one Kubernetes client, one SealBinding watcher with its
 * by-node index, one chain event feed, one epoch clock. Components subscribe; none opens its own.
 */
import type { ChainReader } from '../chain/reader.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/index.ts';
import { BindingIndex, informerBindings, type BindingSource, type InformerBindings } from './bindings.ts';
import { createEpochClock, type EpochFeed } from './epoch.ts';
import { createEventFeed, type EventFeed } from './events.ts';
import { openKubeClient, type KubeClient } from './kube.ts';

export type { BindingSource, InformerBindings } from './bindings.ts';
export type { EpochFeed, EpochTick } from './epoch.ts';
export type { EventFeed } from './events.ts';
export type { KubeClient } from './kube.ts';

/** How often the epoch clock reads the chain: readiness, token expiry and the controller's re-checks all follow it. */
export const EPOCH_POLL_MS = 2_000;

export interface Feeds {
  /** Present when Kubernetes access is configured (kubernetes.watchBindings or a kubeconfig). */
  kube?: KubeClient;
  /** SealBindings by node; fails closed while the watch may be out of date. */
  bindings: BindingSource;
  /** The watcher itself (its informer), when SealBindings are watched. */
  bindingWatch?: InformerBindings;
  events: EventFeed;
  epochs: EpochFeed;
}

export interface OpenedFeeds {
  feeds: Feeds;
  /** Readiness of the feeds themselves: the chain answers; the SealBinding watch has listed. */
  readiness: Array<{ name: string; ok(): boolean }>;
  stop(): Promise<void>;
}

export interface FeedOptions {
  /** Node names never given a node identity (control-plane), whatever a binding says. */
  isExemptNode?(node: string): boolean;
  epochPollMs?: number;
}

export async function openFeeds(config: Config, logger: Logger, reader: ChainReader, options: FeedOptions = {}): Promise<OpenedFeeds> {
  const stops: Array<() => Promise<void> | void> = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    // kubernetes.watchBindings is the webhooks' key; the controller needs the watch too — in `mode: controller`
    // (in-cluster by default, as the chart runs it) or when a kubeconfig names the cluster.
    const controllerRuns = config.mode !== 'webhook' && config.controller.enabled && (config.mode === 'controller' || config.kubernetes.kubeconfig !== undefined);
    const webhookWatch = config.kubernetes.watchBindings && config.mode !== 'controller';
    const watch = webhookWatch || controllerRuns;
    const wantsKube = watch || config.kubernetes.kubeconfig !== undefined;
    const kube = wantsKube ? await openKubeClient({ kubeconfig: config.kubernetes.kubeconfig }) : undefined;
    if (kube) stops.push(() => kube.close());
    const bindingWatch =
      kube && watch
        ? informerBindings(kube.rest, (error) => logger.warn('SealBinding watch failed; retrying', { error: String(error) }), { isExemptNode: options.isExemptNode })
        : undefined;
    if (bindingWatch) {
      await bindingWatch.start();
      stops.push(() => bindingWatch.stop());
    }
    const epochs = createEpochClock({
      read: () => {
        reader.invalidateEpoch(); // a real request every time, not the reader's cached epoch
        return reader.getEpoch();
      },
      intervalMs: options.epochPollMs ?? EPOCH_POLL_MS,
    });
    let chainUp: boolean | undefined;
    epochs.subscribe(({ error }) => {
      const up = error === undefined;
      if (up !== chainUp) logger.log(up ? 'info' : 'warn', up ? 'chain reachable' : 'chain unreachable', error ? { error: String(error) } : {});
      chainUp = up;
    });
    await epochs.start();
    stops.push(() => epochs.stop());
    const events = createEventFeed(reader, {
      pollMs: config.network.eventPollMs,
      onError: (error) => logger.warn('chain event feed: read failed; retrying', { error: String(error) }),
    });
    await events.start();
    stops.push(() => events.stop());
    const readiness = [{ name: 'chain', ok: () => epochs.up() }];
    if (bindingWatch && webhookWatch) readiness.push({ name: 'sealbindings', ok: () => bindingWatch.synced() });
    // Webhooks told not to watch see an empty index (node tokens refused), even while the controller watches.
    const bindings = bindingWatch && webhookWatch ? bindingWatch : new BindingIndex();
    return { feeds: { kube, bindings, bindingWatch, events, epochs }, readiness, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
