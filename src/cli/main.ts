/**
 * `daas-auth`: the one binary. Each command family lives in src/cli/commands/<family>.ts and exports
 * `register(program)`; this file only wires them and turns any failure into one line on stderr.
 */
import { Command } from 'commander';
import { reportAndExit } from './errors.ts';

const program = new Command('daas-auth')
  .description('Stake-secured Kubernetes authentication on Sui: webhook, controller, CLI and local sui-sim')
  .option('--network <name>', 'local | testnet | mainnet | a full-node URL', process.env.DAAS_NETWORK)
  .option('--config <file>', 'configuration file (YAML or JSON)')
  .option('--output <format>', 'text | json', 'text')
  .option('--keystore <file>', 'Sui keystore file (sui.keystore) to take the key from')
  .option('--address <address>', 'which keystore address to use')
  .option('--key <suiprivkey>', 'a suiprivkey1... private key (or set DAAS_KEY)')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

const families: Array<() => Promise<{ register(program: Command): void }>> = [
  // one line per command family, kept in the order `--help` lists them
  () => import('./commands/sim.ts'),
  () => import('./commands/stake.ts'),
  () => import('./commands/token.ts'),
  () => import('./commands/serve.ts'),
  () => import('./commands/attestation.ts'),
  () => import('./commands/binding.ts'),
];

for (const load of families) (await load()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  reportAndExit(error);
}
