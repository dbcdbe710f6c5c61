/**
 * `daas-auth sim`: runs sui-sim, the local Sui network for development and tests, in the foreground;
 * `sim fund` and `sim advance-epoch` drive a running sim through its admin API (found from
 * --admin-url, or from the network's network.json via --network / DAAS_NETWORK / DAAS_SIM_STATE).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { isValidSuiAddress, normalizeSuiAddress } from '@mysten/sui/utils';
import { DEFAULT_SIM_STATE_DIR } from '../../chain/network.ts';
import { MAX_EPOCH_ADVANCE, SimAdminClient, SimAdminError, startSim, type NetworkInfo } from '../../sim/index.ts';
import { amountFields, parseSuiFlag } from '../amounts.ts';
import { UserError } from '../errors.ts';
import { networkOf, outputOf } from '../globals.ts';
import { isSuiIdInput } from '../../policy/formats.ts';

interface RunOptions {
  host: string;
  port: string;
  adminPort: string;
  state?: string;
  inMemory?: boolean;
  nitroRoot?: string[];
}

export function register(program: Command): void {
  const sim = program
    .command('sim')
    .description('run sui-sim, a local Sui network for development and tests (foreground)')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'gRPC port', '9000')
    .option('--admin-port <port>', 'admin API port (faucet, epochs, stats)', '9001')
    .option('--state <dir>', `keep the chain in DIR and write DIR/network.json (default: $DAAS_SIM_STATE or ${DEFAULT_SIM_STATE_DIR})`)
    .option('--in-memory', 'keep nothing: the chain ends with the process')
    .option('--nitro-root <pem-file...>', 'also trust this root for nitro attestation (e.g. the simulated NSM, local runs only)')
    .action((opts: RunOptions, cmd: Command) => runSim(opts, cmd));

  sim
    .command('fund <address>')
    .description('send SUI from the faucet of a running sim; prints the new coin id')
    .option('--sui <amount>', 'SUI to send (decimal)', '100')
    .option('--admin-url <url>', 'admin API of the sim (default: from the network)')
    .action(async (address: string, opts: { sui: string; adminUrl?: string }, cmd: Command) => {
      if (!isValidSuiAddress(normalizeSuiAddress(address)) || !isSuiIdInput(address)) {
        throw new UserError(`"${address}" is not a Sui address (0x followed by up to 64 hex digits)`);
      }
      const mist = parseSuiFlag(opts.sui);
      const result = await admin(cmd, opts.adminUrl, (client) => client.fund(address, mist));
      outputOf(cmd).print(result.coinId, { ...result, address: normalizeSuiAddress(address), ...amountFields('amount', mist) });
    });

  sim
    .command('advance-epoch')
    .description('move the clock of a running sim forward; prints the new epoch')
    .option('--count <n>', 'number of epochs', '1')
    .option('--admin-url <url>', 'admin API of the sim (default: from the network)')
    .action(async (opts: { count: string; adminUrl?: string }, cmd: Command) => {
      const count = positiveInteger(opts.count, '--count');
      const epoch = await admin(cmd, opts.adminUrl, (client) => client.advanceEpoch(count));
      outputOf(cmd).print(epoch.toString(), { epoch: epoch.toString() });
    });
}

async function runSim(opts: RunOptions, cmd: Command): Promise<void> {
  const stateDir = opts.inMemory ? undefined : path.resolve(opts.state ?? process.env.DAAS_SIM_STATE ?? DEFAULT_SIM_STATE_DIR);
  if (opts.inMemory && opts.state) throw new UserError('--state and --in-memory exclude each other');
  const roots = (opts.nitroRoot ?? []).map((file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new UserError(`cannot read --nitro-root ${file}`);
    }
  });
  const handle = await startSim({
    host: opts.host,
    port: port(opts.port, '--port'),
    adminPort: port(opts.adminPort, '--admin-port'),
    stateDir,
    quiet: true,
    nitroExtraRoots: roots,
  }).catch((error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || /address already in use|No address added/i.test(String((error as Error).message))) {
      throw new UserError(`cannot listen on ${opts.host}:${opts.port}/${opts.adminPort}: the port is in use (another sim running?)`);
    }
    throw error;
  });
  const { json } = outputOf(cmd);
  process.stdout.write(json ? `${JSON.stringify(publicView(handle.network, stateDir))}\n` : banner(handle.network, stateDir, roots.length));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stderr.write('sui-sim: stopping\n');
      void handle.stop().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Network info without the admin key (it stays in network.json, mode 0600). */
function publicView(network: NetworkInfo, stateDir: string | undefined): Record<string, string> {
  const { adminKey: _adminKey, ...rest } = network;
  return { ...rest, ...(stateDir ? { stateDir } : {}) };
}

function banner(network: NetworkInfo, stateDir: string | undefined, extraRoots: number): string {
  const lines = [
    'sui-sim: a LOCAL Sui network for DEVELOPMENT AND TESTS. Not a real chain: its SUI has no value,',
    'its keys are test keys, and it runs only the daas package (see docs/sim.md).',
    '',
    `  gRPC endpoint   ${network.rpcUrl}`,
    `  admin API       ${network.adminUrl}   (faucet: daas-auth sim fund <address>)`,
    `  chain id        ${network.chainId}`,
    `  package         ${network.packageId}`,
    `  StakePool       ${network.poolId}`,
    `  AdminCap        ${network.adminCapId}`,
    `  EnclaveConfig   ${network.enclaveConfigId}`,
    stateDir
      ? `  state           ${stateDir} (network.json holds the AdminCap holder's key)`
      : '  state           in memory only (nothing is kept)',
  ];
  if (extraRoots > 0) lines.push(`  nitro roots     AWS root + ${extraRoots} extra (local enclave runs)`);
  lines.push('', 'Ctrl-C stops it.', '');
  return lines.join('\n');
}

async function admin<T>(cmd: Command, adminUrl: string | undefined, run: (client: SimAdminClient) => Promise<T>): Promise<T> {
  const url = adminUrl ?? (await adminUrlOfNetwork(cmd));
  try {
    return await run(new SimAdminClient(url));
  } catch (error) {
    if (error instanceof SimAdminError) throw new UserError(error.message, error.message.includes('unreachable') ? 2 : 1);
    throw error;
  }
}

async function adminUrlOfNetwork(cmd: Command): Promise<string> {
  const config = await networkOf(cmd);
  if (config.adminUrl) return config.adminUrl;
  throw new UserError(`network "${config.name}" is not a sui-sim (no admin API known): pass --admin-url`);
}

function positiveInteger(text: string, flag: string): number {
  if (!/^[1-9][0-9]{0,4}$/.test(text) || Number(text) > MAX_EPOCH_ADVANCE) {
    throw new UserError(`${flag} must be a whole number from 1 to ${MAX_EPOCH_ADVANCE}`);
  }
  return Number(text);
}

function port(text: string, flag: string): number {
  const value = Number(text);
  if (!/^[0-9]{1,5}$/.test(text) || value > 65535) throw new UserError(`${flag} must be a port number (0-65535)`);
  return value;
}
