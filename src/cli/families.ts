/**
 * The command families of `daas-auth`, as a static table: which top-level commands each family
 * registers, how `daas-auth --help` lists them, and how to load the family's module.
 *
 * Why a table: `daas-auth token` runs on every kubectl call as an exec plugin, and importing every
 * family up front (sui-sim's gRPC server, express, the Kubernetes client, …) cost about a second per
 * run. With the table the CLI imports only the family of the command it runs, and lists all
 * commands in `--help` without importing any. test/unit/cli/families.test.ts loads every family and
 * checks that this table says exactly what the families register, so the two cannot drift apart.
 *
 * Adding a family: one entry here, in the order `--help` lists it, with one line per top-level
 * command it registers (`term` is what commander shows: name, ` [options]` if it has options, then
 * its arguments).
 */
import type { Command } from 'commander';

export interface CommandSummary {
  /** The top-level command name (`program.command(name)`). */
  name: string;
  /** Its term in the top-level help listing, e.g. `token [options]`. */
  term: string;
  /** Its one-line description, exactly as the family sets it. */
  description: string;
}

export interface CommandFamily {
  /** Module name under src/cli/commands/, for messages and tests. */
  family: string;
  /** Imports the family's module, which exports `register(program)`. */
  load(): Promise<{ register(program: Command): void }>;
  /** The top-level commands `register` adds, in the order it adds them. */
  commands: readonly CommandSummary[];
}

export const FAMILIES: readonly CommandFamily[] = [
  {
    family: 'sim',
    load: () => import('./commands/sim.ts'),
    commands: [{ name: 'sim', term: 'sim [options]', description: 'run sui-sim, a local Sui network for development and tests (foreground)' }],
  },
  {
    family: 'stake',
    load: () => import('./commands/stake.ts'),
    commands: [
      { name: 'stake', term: 'stake [options]', description: 'stake SUI in the daas pool; prints the StakeRecord id' },
      { name: 'top-up', term: 'top-up [options]', description: 'add SUI to an active StakeRecord' },
      {
        name: 'unstake',
        term: 'unstake [options]',
        description: 'request to unstake: the record stops authenticating at once, can still be slashed, and can be withdrawn once its lock-up and unbonding period have passed',
      },
      { name: 'withdraw', term: 'withdraw [options]', description: 'withdraw an unbonding or slashed stake from its unlock epoch on' },
      { name: 'slash', term: 'slash [options]', description: "slash a stake (needs the AdminCap holder's key)" },
      {
        name: 'withdraw-treasury',
        term: 'withdraw-treasury [options]',
        description: "pay slashed SUI out of the pool's treasury (needs the AdminCap holder's key)",
      },
      { name: 'seal-token', term: 'seal-token', description: 'mint, show and revoke SealTokens' },
    ],
  },
  {
    family: 'token',
    load: () => import('./commands/token.ts'),
    commands: [
      {
        name: 'token',
        term: 'token [options]',
        description: 'print a seal_... bearer token for a cluster (or an ExecCredential for kubectl)',
      },
    ],
  },
  {
    family: 'kubeconfig',
    load: () => import('./commands/kubeconfig.ts'),
    commands: [
      {
        name: 'kubeconfig',
        term: 'kubeconfig [options]',
        description: 'add a kubeconfig user that runs this binary as the exec plugin (and a context); prints the context name',
      },
    ],
  },
  {
    family: 'identity',
    load: () => import('./commands/identity.ts'),
    commands: [
      {
        name: 'whoami',
        term: 'whoami [options]',
        description: 'show the address, key scheme and key source the CLI signs with (--check: its stake and SealTokens on chain)',
      },
      { name: 'keys', term: 'keys', description: "list the keystore's addresses, or add a new key (keys new)" },
    ],
  },
  {
    family: 'serve',
    load: () => import('./commands/serve.ts'),
    commands: [
      {
        name: 'serve',
        term: 'serve [options]',
        description: 'run the authn webhook, admission webhook, controller, metrics and health endpoints',
      },
    ],
  },
  {
    family: 'attestation',
    load: () => import('./commands/attestation.ts'),
    commands: [{ name: 'attestation', term: 'attestation', description: 'AWS Nitro Enclaves attestation documents' }],
  },
  {
    family: 'enclave',
    load: () => import('./commands/enclave.ts'),
    commands: [{ name: 'enclave', term: 'enclave', description: 'the on-chain enclave registry: pin PCRs, register an attested enclave, show' }],
  },
  {
    family: 'binding',
    load: () => import('./commands/binding.ts'),
    commands: [{ name: 'binding', term: 'binding [options]', description: 'SealBindings: bind a worker node to a node stake' }],
  },
  {
    family: 'node',
    load: () => import('./commands/node.ts'),
    commands: [{ name: 'node', term: 'node', description: "a staker's host: join the cluster as a node backed by a node stake" }],
  },
  {
    family: 'doctor',
    load: () => import('./commands/doctor.ts'),
    commands: [{ name: 'doctor', term: 'doctor [options]', description: 'check a live installation end to end and name the broken piece' }],
  },
  {
    family: 'kms',
    load: () => import('./commands/kms.ts'),
    commands: [
      {
        name: 'kms',
        term: 'kms [options]',
        description: 'run the Kubernetes KMS v2 plugin that wraps Secret data keys under an enclave-held key (foreground)',
      },
    ],
  },
];

/** The family that registers the top-level command `name`, if any. */
export function familyOf(name: string): CommandFamily | undefined {
  return FAMILIES.find((f) => f.commands.some((c) => c.name === name));
}
