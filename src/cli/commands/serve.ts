/**
 * `daas-auth serve`: runs the components below on one HTTPS server until SIGINT/SIGTERM. The host
 * (src/server) knows no component: this list, and the modes that pick from it, are the composition.
 * Configuration: --config FILE, DAAS_* variables and the flags below, validated before anything starts.
 */
import type { Command } from 'commander';
import { globalsOf } from '../globals.ts';
import { ConfigError, loadConfig } from '../../config/load.ts';
import { NetworkConfigError } from '../../chain/network.ts';
import { createLogger, type LogLevel } from '../../log/index.ts';
import { isExemptNode } from '../../policy/exemptions.ts';
import type { Config } from '../../config/schema.ts';
import { startServe, type ServeComponent } from '../../server/serve.ts';
import { UserError } from '../errors.ts';
import { preflightServe } from '../serve-preflight.ts';

interface ServeOptions {
  host?: string;
  port?: string;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  insecureNoClientCert?: boolean;
  cluster?: string[];
  apiAudience?: string[];
  kubeconfig?: string;
  watchBindings?: boolean;
  logLevel?: string;
  mode?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

type Mode = Config['mode'];
const MODES: readonly Mode[] = ['all', 'webhook', 'controller'];

/** What `serve` runs, in start order, and in which modes. Each component owns its code and gets the shared ServeContext. */
const SERVE_COMPONENTS: Array<{ modes: readonly Mode[]; load(): Promise<ServeComponent> }> = [
  { modes: ['all', 'webhook'], load: async () => (await import('../../authn/component.ts')).authnComponent },
  { modes: ['all', 'webhook'], load: async () => (await import('../../authz/component.ts')).authzComponent },
  { modes: ['all', 'webhook'], load: async () => (await import('../../admission/component.ts')).admissionComponent },
  { modes: ['all', 'controller'], load: async () => (await import('../../controller/component.ts')).controllerComponent },
  { modes: ['all', 'webhook'], load: async () => (await import('../../enclave/route/component.ts')).attestationComponent },
];

export function componentsFor(mode: Mode): Promise<ServeComponent[]> {
  return Promise.all(SERVE_COMPONENTS.filter((c) => c.modes.includes(mode)).map((c) => c.load()));
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the authn webhook, admission webhook, controller, metrics and health endpoints')
    .option('--host <address>', 'listen address (default 0.0.0.0)')
    .option('--port <port>', 'HTTPS port (default 8443)')
    .option('--tls-cert <file>', 'serving certificate (PEM); reloaded when it changes')
    .option('--tls-key <file>', 'serving key (PEM); reloaded when it changes')
    .option('--client-ca <file>', 'CA of the client certificate kube-apiserver presents; required on every webhook path')
    .option('--insecure-no-client-cert', 'serve webhooks without client certificates (anyone reaching the port may send reviews)')
    .option('--cluster <id>', 'a cluster id tokens may name (repeatable)', collect)
    .option('--api-audience <aud>', 'a kube-apiserver --api-audiences value that stands for the cluster (repeatable)', collect)
    .option('--kubeconfig <file>', 'kubeconfig for watching SealBindings (default: in-cluster or $KUBECONFIG)')
    .option('--no-watch-bindings', 'do not watch SealBindings (no kubelet tokens)')
    .option('--log-level <level>', 'error | warn | info | debug')
    .option('--mode <mode>', 'all (default) | webhook (authn, authz, admission, attestation) | controller (the SealBinding controller only)')
    .addHelpText(
      'after',
      [
        '',
        'Configuration: defaults < --config FILE (YAML or JSON, global option) < DAAS_* environment < these flags;',
        'unknown keys are refused and every problem is reported, by path, before anything starts.',
        'Every key, its variable and its default: docs/authn.md ("Configuration"). Endpoints: POST /authenticate',
        '(and /authenticate/<cluster id>), the admission webhooks — all of them require the client certificate',
        '(docs/security.md) — /healthz, /readyz (ready while the chain answers), /metrics; GET /attestation when',
        'attestation.enabled (inside a Nitro Enclave: docs/enclave.md).',
        '',
        'Example (local stack):',
        '  daas-auth --network local serve --cluster local --api-audience https://kubernetes.default.svc.cluster.local \\',
        '    --tls-cert tls.crt --tls-key tls.key --client-ca apiserver-client-ca.crt',
      ].join('\n'),
    )
    .action(async (opts: ServeOptions, cmd: Command) => {
      const globals = globalsOf(cmd);
      const config = load(globals, opts);
      preflightServe(config.server, {
        host: opts.host !== undefined ? '--host' : source('DAAS_HOST', 'server.host'),
        tlsCertFile: opts.tlsCert !== undefined ? '--tls-cert' : source('DAAS_TLS_CERT', 'server.tlsCertFile'),
        tlsKeyFile: opts.tlsKey !== undefined ? '--tls-key' : source('DAAS_TLS_KEY', 'server.tlsKeyFile'),
        clientCaFile: opts.clientCa !== undefined ? '--client-ca' : source('DAAS_CLIENT_CA', 'server.clientCaFile'),
      });
      const logger = createLogger({ level: config.log.level as LogLevel });
      const components = await componentsFor(config.mode);
      let serving;
      try {
        // Exempt (control-plane) node names never get a node identity, whatever a binding says (issue 9).
        serving = await startServe(config, logger, components, { isExemptNode: (node) => isExemptNode(config.admission, node) });
      } catch (error) {
        if (error instanceof NetworkConfigError) throw new UserError(error.message);
        throw error;
      }
      process.stderr.write(`daas-auth: serving on ${serving.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      logger.info('shutting down');
      await serving.drain(config.server.shutdownDelay * 1000);
      await serving.close();
      process.exit(0);
    });
}

function load(globals: { config?: string; network?: string }, opts: ServeOptions) {
  const flags: Record<string, unknown> = {
    network: { name: globals.network },
    server: { host: opts.host, port: opts.port === undefined ? undefined : port(opts.port), tlsCertFile: opts.tlsCert, tlsKeyFile: opts.tlsKey, clientCaFile: opts.clientCa, insecureNoClientCert: opts.insecureNoClientCert },
    kubernetes: { kubeconfig: opts.kubeconfig, watchBindings: opts.watchBindings === false ? false : undefined },
    log: { level: opts.logLevel },
    mode: opts.mode === undefined ? undefined : mode(opts.mode),
  };
  if (opts.cluster?.length) flags.clusters = opts.cluster.map((id) => ({ id, apiAudiences: opts.apiAudience ?? [] }));
  try {
    return loadConfig({ file: globals.config, flags });
  } catch (error) {
    if (error instanceof ConfigError) throw new UserError(error.message);
    throw error;
  }
}

/** The name of a setting not given as a flag: its variable if set, else its key in the config file. */
function source(variable: string, key: string): string {
  return process.env[variable]?.trim() ? variable : `${key} (--config)`;
}

function mode(text: string): Mode {
  const found = MODES.find((m) => m === text);
  if (!found) throw new UserError(`--mode "${text}" is not one of ${MODES.join(', ')}`);
  return found;
}

function port(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UserError(`--port "${text}" is not a port number`);
  return Number(text);
}
