/**
 * The global options every `daas-auth` command shares (docs/design.md §9), in one place: their definition,
 * the checks that run before any command's action (a refused --output, a missing or invalid
 * --config), and the accessors a command uses instead of reading options itself:
 *
 *   const out = outputOf(cmd);              // out.json, out.print(text, object)
 *   const net = await networkOf(cmd);       // --network > DAAS_NETWORK > --config network.name > local
 *   const keys = keySourcesOf(cmd);         // --key / --keystore / DAAS_KEY / Sui client.yaml
 *
 * A new command gets all of this by being registered under the root program (docs/cli.md). This
 * module is on the exec plugin's path, so it imports nothing heavy at load time.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { UserError } from './errors.ts';
import type { KeySources } from './keys.ts';
import { suiClientDefaults } from './sui-client-config.ts';
import type { NetworkConfig } from '../chain/network.ts';

export const OUTPUT_FORMATS = ['text', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The raw global option values, as commander keeps them. */
export interface GlobalOptions {
  network?: string;
  config?: string;
  output: OutputFormat;
  keystore?: string;
  address?: string;
  key?: string;
}

/** The global flags; shared by the program and the probe that finds the command word. */
export function addGlobalOptions(command: Command): Command {
  return command
    .option('--network <name>', 'local | testnet | mainnet | a full-node URL | a network.json (or DAAS_NETWORK)', process.env.DAAS_NETWORK)
    .option('--config <file>', 'configuration file (YAML or JSON); its network section applies to every command')
    .addOption(new Option('--output <format>', 'text | json').choices(OUTPUT_FORMATS).default('text'))
    .option('--keystore <file>', 'Sui keystore file to take the key from (or DAAS_KEYSTORE; default: the Sui CLI\'s client.yaml keystore)')
    .option('--address <address>', 'which keystore address to use (default: the Sui CLI\'s active address)')
    .option('--key <suiprivkey>', 'a suiprivkey1... private key (or set DAAS_KEY)');
}

export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/**
 * Runs before every command's action (a root `preAction` hook): checks what commander cannot —
 * that --config names a readable file that parses — so no command ignores a wrong --config.
 */
export async function checkGlobals(cmd: Command): Promise<void> {
  const { config } = globalsOf(cmd);
  if (config !== undefined) await cliConfigOf(config);
}

export interface Output {
  json: boolean;
  /** Writes the result: `text` in text mode, the object as one line of JSON with --output json. */
  print(text: string, object: unknown): void;
}

export function outputOf(cmd: Command): Output {
  const { output } = globalsOf(cmd);
  // commander refuses other values already; this guards commands built without the root program.
  if (!OUTPUT_FORMATS.includes(output)) throw new UserError(`--output must be text or json, not ${String(output)}`);
  const json = output === 'json';
  return { json, print: (text, object) => void process.stdout.write(`${json ? JSON.stringify(object) : text}\n`) };
}

/** The network section of a --config file: the part every chain command uses. */
export interface CliConfig {
  name?: string;
  stateDir?: string;
  endpoints?: string[];
  packageId?: string;
  poolId?: string;
}

const configs = new Map<string, CliConfig>();

/** Reads and checks a --config file once per run (the whole file must parse; serve checks the rest). */
export async function cliConfigOf(file: string): Promise<CliConfig> {
  const cached = configs.get(file);
  if (cached) return cached;
  if (!existsSync(file)) throw new UserError(`--config ${file}: no such file`);
  if (!statSync(file).isFile()) throw new UserError(`--config ${file}: not a file`);
  const { ConfigError, readNetworkSection } = await import('../config/load.ts');
  try {
    const network = readNetworkSection(file);
    const base = path.dirname(path.resolve(file));
    const config = { ...network, ...(network.stateDir ? { stateDir: path.resolve(base, network.stateDir) } : {}) };
    configs.set(file, config);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) throw new UserError(`--config ${file}: ${error.message}`);
    throw error;
  }
}

/**
 * The network a chain command talks to: --network (or DAAS_NETWORK), else the --config file's
 * network.name, else local — the sim whose .daas/sim is found from here or a parent directory.
 */
export async function networkOf(cmd: Command): Promise<NetworkConfig> {
  const globals = globalsOf(cmd);
  const config = globals.config === undefined ? {} : await cliConfigOf(globals.config);
  const { NetworkConfigError, resolveNetwork } = await import('../chain/network.ts');
  try {
    return resolveNetwork(globals.network ?? config.name, {
      stateDir: config.stateDir ?? (process.env.DAAS_SIM_STATE || findSimStateDir(process.cwd())),
      overrides: { endpoints: config.endpoints, packageId: config.packageId, poolId: config.poolId },
    });
  } catch (error) {
    if (error instanceof NetworkConfigError) throw new UserError(error.message);
    throw error;
  }
}

/** `.daas/sim` of the nearest directory (this one or a parent) that has one; else ./.daas/sim. */
export function findSimStateDir(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.daas', 'sim');
    if (existsSync(path.join(candidate, 'network.json'))) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(from, '.daas', 'sim');
  }
}

/** Where the signing key comes from, with the Sui CLI's client.yaml as the last resort. */
export interface ResolvedKeySources extends KeySources {
  /** Human words for the source, e.g. `--keystore FILE` or `Sui client.yaml (FILE)`. */
  origin: string;
}

export function keySourcesOf(cmd: Command, env: Record<string, string | undefined> = process.env): ResolvedKeySources {
  const g = globalsOf(cmd);
  if (g.key !== undefined) return { key: g.key, keystore: g.keystore, address: g.address, env, origin: '--key' };
  if (g.keystore !== undefined) return { keystore: g.keystore, address: g.address, env, origin: `--keystore ${g.keystore}` };
  if (env.DAAS_KEY) return { address: g.address, env, origin: 'DAAS_KEY' };
  if (env.DAAS_KEYSTORE) return { keystore: env.DAAS_KEYSTORE, address: g.address, env, origin: `DAAS_KEYSTORE ${env.DAAS_KEYSTORE}` };
  const sui = suiClientDefaults(env);
  if (sui) return { keystore: sui.keystore, address: g.address ?? sui.activeAddress, env, origin: `Sui client.yaml ${sui.file} (keystore ${sui.keystore})` };
  return { address: g.address, env, origin: 'none' };
}
