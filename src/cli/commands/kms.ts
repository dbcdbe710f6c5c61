/**
 * `daas-auth kms`: the Kubernetes KMS v2 plugin (src/kms/, docs/kms.md) in the foreground until
 * SIGINT/SIGTERM; `kms rotate` and `kms keys` talk to a running plugin over its admin socket.
 */
import { status } from '@grpc/grpc-js';
import type { Command } from 'commander';
import type { KekBackend } from '../../kms/backend.ts';
import { enclaveBackend, NotInEnclaveError } from '../../kms/enclave-backend.ts';
import { createKeyringFile, fileBackend, KeyringFileError } from '../../kms/file-backend.ts';
import { createLogger, type LogLevel } from '../../log/index.ts';
import { UserError } from '../errors.ts';

interface ServeOptions {
  socket?: string;
  adminSocket?: string;
  backend: string;
  kekFile?: string;
  create?: boolean;
  outsideEnclave?: boolean;
  metricsPort?: string;
  metricsHost: string;
  logLevel: string;
}

/** `kms`'s own --socket/--admin-socket are parsed by `kms` even after `rotate`: read them with optsWithGlobals. */
interface AdminOptions {
  socket?: string;
  adminSocket?: string;
}

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'];

/** The admin socket beside the KMS socket unless named. */
export function adminSocketFor(opts: AdminOptions): string {
  if (opts.adminSocket) return opts.adminSocket;
  if (opts.socket) return `${opts.socket}.admin`;
  throw new UserError('name the plugin: --socket PATH (its admin socket is PATH.admin) or --admin-socket PATH');
}

export function register(program: Command): void {
  const kms = program
    .command('kms')
    .description('run the Kubernetes KMS v2 plugin that wraps Secret data keys under an enclave-held key (foreground)')
    .option('--socket <path>', 'unix socket kube-apiserver connects to (EncryptionConfiguration endpoint unix://PATH)')
    .option('--admin-socket <path>', 'unix socket for `kms rotate` / `kms keys` (default: <socket>.admin)')
    .option('--backend <kind>', 'where the KEK lives: file | enclave', 'file')
    .option('--kek-file <path>', 'file backend: the keyring file (mode 0600; wider is refused)')
    .option('--create', 'file backend: create the keyring file with a new KEK if it does not exist')
    .option('--outside-enclave', 'enclave backend: run without /dev/nsm (tests, demos: the KEK is merely in memory)')
    .option('--metrics-port <port>', 'serve Prometheus /metrics over HTTP on this port')
    .option('--metrics-host <address>', 'address for /metrics', '127.0.0.1')
    .option('--log-level <level>', 'error | warn | info | debug', 'info')
    .addHelpText(
      'after',
      [
        '',
        'kube-apiserver envelope-encrypts each Secret with a data key and asks this plugin to wrap that key',
        '(AES-256-GCM) under the current KEK; rotation keeps old KEKs for decryption. Key ids are "kek-" and',
        'a hash of the KEK. Setup, apiserver flags and the DaemonSet: docs/kms.md.',
        '',
        'Examples:',
        '  daas-auth kms --socket /var/run/daas-kms/kms.sock --kek-file /etc/daas-kms/keyring.json --create',
        '  daas-auth kms rotate --socket /var/run/daas-kms/kms.sock',
      ].join('\n'),
    )
    .action(async (opts: ServeOptions) => serve(opts));

  kms
    .command('rotate')
    .description('make a new KEK current in a running plugin (old ones still decrypt)')
    .option('--socket <path>', "the plugin's KMS socket (its admin socket is <socket>.admin)")
    .option('--admin-socket <path>', "the plugin's admin socket")
    .action(async (_opts: AdminOptions, cmd: Command) => {
      const out = await admin<{ keyId: string; previousKeyId: string }>(adminSocketFor(cmd.optsWithGlobals<AdminOptions>()), 'Rotate');
      process.stdout.write(`rotated: current key ${out.keyId} (was ${out.previousKeyId}, kept for decryption)\n`);
      process.stdout.write('re-write Secrets to move them to the new key (docs/kms.md, "Rotation")\n');
    });

  kms
    .command('keys')
    .description('list the key ids a running plugin holds')
    .option('--socket <path>', "the plugin's KMS socket (its admin socket is <socket>.admin)")
    .option('--admin-socket <path>', "the plugin's admin socket")
    .action(async (_opts: AdminOptions, cmd: Command) => {
      const out = await admin<{ currentKeyId: string; keyIds: string[] }>(adminSocketFor(cmd.optsWithGlobals<AdminOptions>()), 'Keys');
      for (const id of out.keyIds) process.stdout.write(`${id}${id === out.currentKeyId ? ' (current)' : ''}\n`);
    });
}

async function admin<O>(socket: string, method: string): Promise<O> {
  const { KeyAdmin, unixClient } = await import('../../kms/client.ts');
  const client = unixClient(socket);
  try {
    return await client.call<object, O & object>(KeyAdmin, method, {});
  } catch (e) {
    const err = e as { code?: number; details?: string; message: string };
    if (err.code === status.UNAVAILABLE) throw new UserError(`kms ${method.toLowerCase()}: no plugin answers on ${socket} (is \`daas-auth kms\` running?)`);
    throw new UserError(`kms ${method.toLowerCase()} via ${socket}: ${err.details || err.message}`);
  } finally {
    client.close();
  }
}

function backendFrom(opts: ServeOptions): KekBackend {
  if (opts.backend === 'file') {
    if (!opts.kekFile) throw new UserError('--backend file needs --kek-file PATH');
    if (opts.outsideEnclave) throw new UserError('--outside-enclave is for --backend enclave');
    if (opts.create) {
      try {
        createKeyringFile(opts.kekFile);
      } catch (e) {
        if (!(e instanceof KeyringFileError && /already exists/.test(e.message))) throw e;
      }
    }
    return fileBackend(opts.kekFile);
  }
  if (opts.backend === 'enclave') {
    if (opts.kekFile || opts.create) throw new UserError('--backend enclave keeps its KEK in the enclave: no --kek-file or --create');
    return enclaveBackend({ allowOutsideEnclave: opts.outsideEnclave === true });
  }
  throw new UserError(`--backend "${opts.backend}" is not one of: file, enclave`);
}

function metricsPort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UserError(`--metrics-port "${text}" is not a port number`);
  return Number(text);
}

async function serve(opts: ServeOptions): Promise<void> {
  if (!opts.socket) throw new UserError('--socket PATH is required (where kube-apiserver connects)');
  if (!LOG_LEVELS.includes(opts.logLevel)) throw new UserError(`--log-level "${opts.logLevel}" is not one of: ${LOG_LEVELS.join(', ')}`);
  const port = metricsPort(opts.metricsPort);
  const backend = backendFrom(opts);
  const logger = createLogger({ level: opts.logLevel as LogLevel, component: 'kms' });
  const { KmsPlugin } = await import('../../kms/plugin.ts');
  const { startKmsServer } = await import('../../kms/server.ts');
  let plugin;
  try {
    plugin = await KmsPlugin.open(backend, logger);
  } catch (e) {
    if (e instanceof KeyringFileError || e instanceof NotInEnclaveError) throw new UserError(e.message);
    throw e;
  }
  const adminSocket = adminSocketFor(opts);
  const server = await startKmsServer(plugin, {
    socket: opts.socket,
    adminSocket,
    metrics: port === undefined ? undefined : { host: opts.metricsHost, port },
  }).catch((e: Error) => {
    throw new UserError(e.message);
  });
  const metrics = server.metricsPort === undefined ? '' : `; metrics on http://${opts.metricsHost}:${server.metricsPort}/metrics`;
  process.stderr.write(
    `daas-auth kms: serving v2.KeyManagementService on unix://${opts.socket} (admin ${adminSocket}), ${backend.kind} backend, key ${plugin.currentKeyId}${metrics}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  logger.info('shutting down');
  await server.stop();
  process.exit(0);
}
