/**
 * Starting the controller: from `daas-auth serve` (startController), or alone as a process
 *
 *   node src/controller/run.ts --kubeconfig FILE --network NET [--lease-namespace NS] [--identity ID]
 *                              [--timings JSON]
 *
 * which the e2e tests and bench/slash-drain use to run several candidates and kill one (SIGKILL is a
 * crash; SIGTERM stops gracefully and releases the Lease). It prints one JSON line `{"ready":true}`
 * on stdout once its informers have synced, and logs JSON lines on stderr.
 */
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { ChainReader } from '../chain/reader.ts';
import { resolveNetwork, type NetworkConfig } from '../chain/network.ts';
import { KubeRest } from '../k8s/rest.ts';
import { SealBindingController, type ControllerOptions, type ControllerTimings } from './controller.ts';
import type { Tier } from '../policy/tiers.ts';

export interface StartControllerOptions {
  /** Kubeconfig file; default: $KUBECONFIG / ~/.kube/config / in-cluster. */
  kubeconfig?: string;
  network: NetworkConfig | string;
  leaseNamespace?: string;
  leaseName?: string;
  identity?: string;
  timings?: Partial<ControllerTimings>;
  tiers?: readonly Tier[];
  registry?: Registry;
  log?: ControllerOptions['log'];
}

export interface RunningController {
  controller: SealBindingController;
  /** Graceful: releases the Lease, stops informers, closes connections. */
  stop(): Promise<void>;
}

export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}

export async function startController(options: StartControllerOptions): Promise<RunningController> {
  const rest = await KubeRest.fromKubeConfig(loadKubeConfig(options.kubeconfig));
  const network = typeof options.network === 'string' ? resolveNetwork(options.network) : options.network;
  const reader = new ChainReader(network);
  const controller = new SealBindingController({
    rest,
    chain: reader,
    ...(options.leaseNamespace ? { leaseNamespace: options.leaseNamespace } : {}),
    ...(options.leaseName ? { leaseName: options.leaseName } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.timings ? { timings: options.timings } : {}),
    ...(options.tiers ? { tiers: options.tiers } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  await controller.start();
  return {
    controller,
    stop: async () => {
      await controller.stop();
      reader.close();
      rest.close();
    },
  };
}

function jsonLog(level: string, message: string, fields: Record<string, unknown> = {}): void {
  if (level === 'debug' && !process.env.DAAS_DEBUG) return;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, component: 'controller', message, ...fields })}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      network: { type: 'string' },
      'lease-namespace': { type: 'string' },
      identity: { type: 'string' },
      timings: { type: 'string' },
    },
    strict: true,
  });
  const running = await startController({
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    network: values.network ?? process.env.DAAS_NETWORK ?? 'local',
    ...(values['lease-namespace'] ? { leaseNamespace: values['lease-namespace'] } : {}),
    ...(values.identity ? { identity: values.identity } : {}),
    ...(values.timings ? { timings: JSON.parse(values.timings) as Partial<ControllerTimings> } : {}),
    log: jsonLog,
  });
  process.stdout.write(`${JSON.stringify({ ready: true, identity: running.controller.identity })}\n`);
  const shutdown = () => {
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    jsonLog('error', 'controller failed to start', { error: String(error) });
    process.exit(1);
  });
}
