/**
 * Loads the one Config: defaults < file (YAML or JSON) < environment (DAAS_*) < flags, then
 * validates the merged result against ConfigSchema and explains every problem in one message.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import * as v from 'valibot';
import { ConfigSchema, finishConfig, type Config } from './schema.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Raw = Record<string, unknown>;

export interface LoadConfigOptions {
  /** Config file path (YAML, or JSON when it ends in .json). */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Overrides from command-line flags, in the file's shape. */
  flags?: Raw;
  cwd?: string;
}

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);
const bool = (name: string, text: string): boolean => {
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new ConfigError(`${name}="${text}" is not a boolean (true/false)`);
};
const int = (name: string, text: string): number => {
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`${name}="${text}" is not a whole number`);
  return Number(text);
};

/** Every environment variable the config reads, with where it lands. */
export const ENV_VARS: Record<string, (value: string, env: Record<string, string | undefined>) => Raw> = {
  DAAS_NETWORK: (value) => ({ network: { name: value } }),
  DAAS_SIM_STATE: (value) => ({ network: { stateDir: value } }),
  DAAS_EVENT_POLL_MS: (value) => ({ network: { eventPollMs: int('DAAS_EVENT_POLL_MS', value) } }),
  DAAS_CLUSTER: (value, env) => ({ clusters: list(value).map((id) => ({ id, apiAudiences: list(env.DAAS_API_AUDIENCES ?? '') })) }),
  DAAS_TOKEN_MAX_LIFETIME: (value) => ({ token: { maxLifetime: value } }),
  DAAS_TOKEN_SKEW: (value) => ({ token: { skew: value } }),
  // Kept only to refuse it loudly: zkLogin is not supported (src/token/signature.ts).
  DAAS_ZKLOGIN: (value) => {
    if (bool('DAAS_ZKLOGIN', value)) throw new ConfigError('DAAS_ZKLOGIN: zkLogin signatures are not supported');
    return {};
  },
  DAAS_TIERS: (value) => ({ tiers: list(value).map((entry) => ({ name: entry.split('=')[0]!, minSui: entry.split('=')[1] ?? '' })) }),
  DAAS_CACHE_TTL: (value) => ({ cache: { ttl: value } }),
  DAAS_HOST: (value) => ({ server: { host: value } }),
  DAAS_PORT: (value) => ({ server: { port: int('DAAS_PORT', value) } }),
  DAAS_TLS_CERT: (value) => ({ server: { tlsCertFile: value } }),
  DAAS_TLS_KEY: (value) => ({ server: { tlsKeyFile: value } }),
  DAAS_CLIENT_CA: (value) => ({ server: { clientCaFile: value } }),
  DAAS_INSECURE_NO_CLIENT_CERT: (value) => ({ server: { insecureNoClientCert: bool('DAAS_INSECURE_NO_CLIENT_CERT', value) } }),
  DAAS_MAX_CONNECTIONS: (value) => ({ server: { maxConnections: int('DAAS_MAX_CONNECTIONS', value) } }),
  DAAS_KUBECONFIG: (value) => ({ kubernetes: { kubeconfig: value } }),
  DAAS_CONTROLLER_POD: (value) => ({ controller: { ownPod: value } }),
  DAAS_WATCH_BINDINGS: (value) => ({ kubernetes: { watchBindings: bool('DAAS_WATCH_BINDINGS', value) } }),
  DAAS_LOG_LEVEL: (value) => ({ log: { level: value } }),
  DAAS_MODE: (value) => ({ mode: value }),
};

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ? readConfigFile(path.resolve(cwd, options.file)) : {};
  const fromEnv = Object.entries(ENV_VARS)
    .filter(([name]) => (env[name] ?? '').trim() !== '')
    .reduce<Raw>((acc, [name, map]) => merge(acc, map(env[name]!.trim(), env)), {});
  const merged = merge(merge(file, fromEnv), options.flags ?? {});
  const result = v.safeParse(ConfigSchema, merged);
  if (!result.success) throw new ConfigError(`invalid configuration: ${describeIssues(result.issues)}`);
  try {
    const config = finishConfig(result.output);
    return resolvePaths(config, options.file ? path.dirname(path.resolve(cwd, options.file)) : cwd);
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${(error as Error).message}`);
  }
}

function readConfigFile(file: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`cannot read the config file ${file}`);
  }
  let value: unknown;
  try {
    value = file.endsWith('.json') ? JSON.parse(text) : loadYaml(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${file} must hold a mapping of settings`);
  return value as Raw;
}

/**
 * The `network` section of a config file, checked against the schema — what every CLI command takes
 * from --config (serve loads and checks the whole file with loadConfig).
 */
export function readNetworkSection(file: string): v.InferOutput<typeof NetworkOnly>['network'] {
  const result = v.safeParse(NetworkOnly, readConfigFile(file));
  if (!result.success) throw new ConfigError(`invalid configuration: ${describeIssues(result.issues)}`);
  return result.output.network;
}

/** The network section alone; other top-level settings are left to serve's full check. */
const NetworkOnly = v.object({ network: ConfigSchema.entries.network });

/** Files named in the config are relative to the config file (or the working directory). */
function resolvePaths(config: Config, base: string): Config {
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(base, p));
  const server = { ...config.server, tlsCertFile: abs(config.server.tlsCertFile)!, tlsKeyFile: abs(config.server.tlsKeyFile)! };
  if (config.server.clientCaFile) server.clientCaFile = abs(config.server.clientCaFile);
  const kubernetes = { ...config.kubernetes };
  if (kubernetes.kubeconfig) kubernetes.kubeconfig = abs(kubernetes.kubeconfig);
  const attestation = { ...config.attestation };
  if (attestation.simulatedStateFile) attestation.simulatedStateFile = abs(attestation.simulatedStateFile);
  return { ...config, server, kubernetes, attestation };
}

const isPlain = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deep merge of plain objects; arrays and scalars of `over` replace those of `base`. */
export function merge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = isPlain(value) && isPlain(out[key]) ? merge(out[key] as Raw, value) : value;
  }
  return out;
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const where = v.getDotPath(issue) ?? '(top level)';
      const message =
        issue.type === 'strict_object' && issue.expected === 'never'
          ? 'unknown setting'
          : issue.received === 'undefined'
            ? `required (${issue.message})`
            : issue.message;
      return `${where}: ${message}`;
    })
    .join('; ');
}
