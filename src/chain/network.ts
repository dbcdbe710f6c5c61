/**
 * Which Sui network to talk to: endpoints plus the ids of our package and pool on it. Real networks
 * are reached by configuration alone; `local` is the sui-sim started by `daas-auth sim --state DIR`,
 * which writes DIR/network.json.
 *
 * Precedence, highest first: `overrides` (from the config file) > environment (DAAS_PACKAGE_ID,
 * DAAS_POOL_ID, DAAS_ENCLAVE_CONFIG_ID, DAAS_ADMIN_CAP_ID, DAAS_SUI_ENDPOINTS; testnet, mainnet and
 * URLs only, so a stray export cannot redirect the local sim) > built-in / network.json values.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isValidSuiObjectId, normalizeSuiObjectId } from '@mysten/sui/utils';
import { isSuiIdInput } from '../policy/formats.ts';

export interface NetworkConfig {
  /** `local`, `testnet`, `mainnet`, or `custom` (a URL or a network.json path). */
  name: string;
  /** Full-node gRPC endpoints (http:// or https://), tried in order with failover. */
  endpoints: string[];
  /** Original (first-published) id of the daas package: the address its types live at. */
  packageId: string;
  /** The shared StakePool. */
  poolId: string;
  enclaveConfigId?: string;
  /** The AdminCap, when known (network.json of the sim); otherwise found among the signer's objects. */
  adminCapId?: string;
  /** sui-sim's admin API (faucet, epochs, stats); absent on real networks. */
  adminUrl?: string;
  chainId?: string;
}

export type NetworkOverrides = Partial<
  Pick<NetworkConfig, 'endpoints' | 'packageId' | 'poolId' | 'enclaveConfigId' | 'adminCapId'>
>;

export interface ResolveNetworkOptions {
  /** sui-sim state directory holding network.json (default: $DAAS_SIM_STATE, else .daas/sim). */
  stateDir?: string;
  env?: Record<string, string | undefined>;
  /** Base for relative paths (default: process.cwd()). */
  cwd?: string;
  overrides?: NetworkOverrides;
}

export class NetworkConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkConfigError';
  }
}

/**
 * Public networks. The daas package is not published on them yet, so their ids are empty and must
 * come from configuration (DAAS_PACKAGE_ID / DAAS_POOL_ID or the config file) until it is.
 */
export const BUILTIN_NETWORKS: Readonly<Record<'testnet' | 'mainnet', Omit<NetworkConfig, 'name'>>> = {
  testnet: { endpoints: ['https://fullnode.testnet.sui.io'], packageId: '', poolId: '' },
  mainnet: { endpoints: ['https://fullnode.mainnet.sui.io'], packageId: '', poolId: '' },
};

export const DEFAULT_SIM_STATE_DIR = '.daas/sim';

/** Resolves `--network` (local | testnet | mainnet | URL[,URL...] | path to network.json). */
export function resolveNetwork(nameOrUrl: string | undefined, opts: ResolveNetworkOptions = {}): NetworkConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const name = (nameOrUrl ?? '').trim() || 'local';
  let base: NetworkConfig;
  if (name === 'local') {
    const dir = path.resolve(cwd, opts.stateDir ?? env.DAAS_SIM_STATE ?? DEFAULT_SIM_STATE_DIR);
    base = readNetworkJson(path.join(dir, 'network.json'), 'local', true);
  } else if (name === 'testnet' || name === 'mainnet') {
    base = withEnv({ name, ...BUILTIN_NETWORKS[name], endpoints: [...BUILTIN_NETWORKS[name].endpoints] }, env);
  } else if (/^https?:\/\//i.test(name)) {
    base = withEnv(fromUrls(name, opts, env, cwd), env);
  } else if (looksLikeFile(path.resolve(cwd, name))) {
    base = readNetworkJson(path.resolve(cwd, name), 'custom', false);
  } else {
    throw new NetworkConfigError(
      `unknown network "${name}": use local, testnet, mainnet, a full-node URL, or a path to a network.json`,
    );
  }
  return validate(applyOverrides(base, opts.overrides ?? {}));
}

function looksLikeFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}

/** One or more comma-separated URLs; ids from the env, or from the local sim if it serves that URL. */
function fromUrls(
  list: string,
  opts: ResolveNetworkOptions,
  env: Record<string, string | undefined>,
  cwd: string,
): NetworkConfig {
  const endpoints = list.split(',').map((u) => normalizeEndpoint(u.trim()));
  const dir = path.resolve(cwd, opts.stateDir ?? env.DAAS_SIM_STATE ?? DEFAULT_SIM_STATE_DIR);
  const localFile = path.join(dir, 'network.json');
  if (looksLikeFile(localFile)) {
    const local = readNetworkJson(localFile, 'custom', false);
    if (local.endpoints.some((e) => endpoints.includes(e))) return { ...local, name: 'custom', endpoints };
  }
  return { name: 'custom', endpoints, packageId: '', poolId: '' };
}

function withEnv(config: NetworkConfig, env: Record<string, string | undefined>): NetworkConfig {
  const out = { ...config };
  if (env.DAAS_SUI_ENDPOINTS?.trim()) out.endpoints = env.DAAS_SUI_ENDPOINTS.split(',').map((u) => normalizeEndpoint(u.trim()));
  if (env.DAAS_PACKAGE_ID?.trim()) out.packageId = env.DAAS_PACKAGE_ID.trim();
  if (env.DAAS_POOL_ID?.trim()) out.poolId = env.DAAS_POOL_ID.trim();
  if (env.DAAS_ENCLAVE_CONFIG_ID?.trim()) out.enclaveConfigId = env.DAAS_ENCLAVE_CONFIG_ID.trim();
  if (env.DAAS_ADMIN_CAP_ID?.trim()) out.adminCapId = env.DAAS_ADMIN_CAP_ID.trim();
  return out;
}

function applyOverrides(config: NetworkConfig, overrides: NetworkOverrides): NetworkConfig {
  const out = { ...config };
  if (overrides.endpoints?.length) out.endpoints = overrides.endpoints.map(normalizeEndpoint);
  if (overrides.packageId) out.packageId = overrides.packageId;
  if (overrides.poolId) out.poolId = overrides.poolId;
  if (overrides.enclaveConfigId) out.enclaveConfigId = overrides.enclaveConfigId;
  if (overrides.adminCapId) out.adminCapId = overrides.adminCapId;
  return out;
}

/** The fields of network.json this module uses; others (e.g. the sim's admin key) are ignored here. */
export interface NetworkJson {
  rpcUrl: string;
  packageId: string;
  poolId: string;
  adminUrl?: string;
  chainId?: string;
  adminCapId?: string;
  enclaveConfigId?: string;
}

/** Strictly parses the network.json sui-sim writes (see src/sim). */
export function parseNetworkJson(text: string, source: string): NetworkJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new NetworkConfigError(`${source} is not valid JSON`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new NetworkConfigError(`${source} must hold a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  const str = (key: string, required: boolean): string | undefined => {
    const value = obj[key];
    if (value === undefined || value === null) {
      if (required) throw new NetworkConfigError(`${source} lacks "${key}"`);
      return undefined;
    }
    if (typeof value !== 'string' || value === '') throw new NetworkConfigError(`${source}: "${key}" must be a non-empty string`);
    return value;
  };
  const out: NetworkJson = { rpcUrl: str('rpcUrl', true)!, packageId: str('packageId', true)!, poolId: str('poolId', true)! };
  for (const key of ['adminUrl', 'chainId', 'adminCapId', 'enclaveConfigId'] as const) {
    const value = str(key, false);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function readNetworkJson(file: string, name: string, isLocalDefault: boolean): NetworkConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new NetworkConfigError(
      isLocalDefault
        ? `no local sui-sim found: ${file} does not exist (start one with \`daas-auth sim --state ${path.dirname(file)}\`, or set DAAS_SIM_STATE)`
        : `cannot read ${file}`,
    );
  }
  const json = parseNetworkJson(text, file);
  const config: NetworkConfig = {
    name,
    endpoints: [normalizeEndpoint(json.rpcUrl)],
    packageId: json.packageId,
    poolId: json.poolId,
  };
  if (json.adminUrl) config.adminUrl = json.adminUrl;
  if (json.chainId) config.chainId = json.chainId;
  if (json.adminCapId) config.adminCapId = json.adminCapId;
  if (json.enclaveConfigId) config.enclaveConfigId = json.enclaveConfigId;
  return config;
}

/** `http(s)://host[:port]` without a trailing slash; anything else is refused. */
export function normalizeEndpoint(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new NetworkConfigError(`"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new NetworkConfigError(`"${url}": a Sui endpoint must be http:// or https://`);
  }
  if (parsed.username || parsed.password || (parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash) {
    throw new NetworkConfigError(`"${url}": a gRPC endpoint is scheme://host[:port] only`);
  }
  return `${parsed.protocol}//${parsed.host}`;
}

function validate(config: NetworkConfig): NetworkConfig {
  const missing = [
    config.packageId ? undefined : 'package id (DAAS_PACKAGE_ID)',
    config.poolId ? undefined : 'pool id (DAAS_POOL_ID)',
  ].filter(Boolean);
  if (missing.length) {
    const where = config.name === 'testnet' || config.name === 'mainnet'
      ? `the daas package is not published on ${config.name} yet, so`
      : `for ${config.endpoints.join(', ')}`;
    throw new NetworkConfigError(`${where} the ${missing.join(' and ')} must be configured (environment or config file)`);
  }
  if (config.endpoints.length === 0) throw new NetworkConfigError(`network ${config.name} has no endpoints`);
  const out = { ...config };
  out.packageId = objectId(config.packageId, 'package id');
  out.poolId = objectId(config.poolId, 'pool id');
  if (config.enclaveConfigId) out.enclaveConfigId = objectId(config.enclaveConfigId, 'enclave config id');
  if (config.adminCapId) out.adminCapId = objectId(config.adminCapId, 'AdminCap id');
  return out;
}

function objectId(value: string, what: string): string {
  if (!isSuiIdInput(value) || !isValidSuiObjectId(normalizeSuiObjectId(value))) {
    throw new NetworkConfigError(`the ${what} "${value}" is not a Sui object id (0x + up to 64 hex digits)`);
  }
  return normalizeSuiObjectId(value.toLowerCase());
}
