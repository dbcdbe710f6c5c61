/**
 * The stake life cycle on the command line (DESIGN §9): stake, stake show, top-up, unstake,
 * withdraw, slash, withdraw-treasury, seal-token create / show / revoke. Results go to stdout (the id alone, or one
 * JSON object with --output json); progress and errors go to stderr. Exit codes: 0 done,
 * 1 refused or bad input, 2 the network could not be reached (nothing is known to have happened).
 */
import type { Command } from 'commander';
import type { Keypair } from '@mysten/sui/cryptography';
import { ChainTxError, ChainUnavailableError } from '../../chain/errors.ts';
import { NetworkConfigError, resolveNetwork, type NetworkConfig } from '../../chain/network.ts';
import { isExpired, toJsonView } from '../../chain/objects.ts';
import { ChainReader } from '../../chain/reader.ts';
import { StakeKind, type StakeKindName } from '../../chain/schema.ts';
import { formatSui, parseSui } from '../../chain/units.ts';
import { ChainWriter } from '../../chain/writer.ts';
import { UserError } from '../errors.ts';
import { loadSigner } from '../keys.ts';
import { createProgress } from '../progress.ts';

interface GlobalOptions {
  network?: string;
  output?: string;
  keystore?: string;
  address?: string;
  key?: string;
}

/** What every command of this family works with. */
export interface Context {
  net: NetworkConfig;
  json: boolean;
  print(text: string, json: Record<string, unknown>): void;
}

export function register(program: Command): void {
  const stake = program
    .command('stake')
    .description('stake SUI in the daas pool; prints the StakeRecord id')
    .option('--sui <amount>', 'amount of SUI to stake (decimal)')
    .option('--kind <kind>', 'node | user | admin')
    .option('--node <name>', 'node name (required for --kind node)')
    .action((opts: { sui?: string; kind?: string; node?: string }, cmd: Command) =>
      withWriter(cmd, async (ctx, writer) => {
        const mist = amount(opts.sui);
        const kind = stakeKind(opts.kind);
        if (kind === 'node' && !opts.node) throw new UserError('--node NAME is required for --kind node');
        if (kind !== 'node' && opts.node) throw new UserError(`--node is only for --kind node, not --kind ${kind}`);
        const { recordId, digest } = await writer.stake({ mist, kind, nodeId: opts.node });
        ctx.print(recordId, { stakeRecord: recordId, kind, amountMist: mist.toString(), digest });
      }),
    );

  stake
    .command('show')
    .description('show a StakeRecord')
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .action((opts: { stakeRecord: string }, cmd: Command) =>
      withReader(cmd, async (ctx, reader) => {
        const id = objectId(opts.stakeRecord, '--stake-record');
        const record = await reader.getStakeRecord(id);
        if (!record) throw new UserError(`unknown object: ${id} is not a StakeRecord of the daas package on ${ctx.net.name}`);
        const view = toJsonView(record);
        ctx.print(textBlock({ ...view, amount: `${formatSui(record.amount)} SUI` }), view);
      }),
    );

  program
    .command('top-up')
    .description('add SUI to an active StakeRecord')
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .requiredOption('--sui <amount>', 'amount of SUI to add (decimal)')
    .action((opts: { stakeRecord: string; sui: string }, cmd: Command) =>
      withWriter(cmd, async (ctx, writer) => {
        const id = objectId(opts.stakeRecord, '--stake-record');
        const { amount: total, digest } = await writer.topUp(id, amount(opts.sui));
        ctx.print(`${id} now holds ${formatSui(total)} SUI`, { stakeRecord: id, amountMist: total.toString(), digest });
      }),
    );

  program
    .command('unstake')
    .description('request to unstake: the record stops authenticating at once, can still be slashed, and can be withdrawn once its lock-up and unbonding period have passed')
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .action((opts: { stakeRecord: string }, cmd: Command) =>
      withWriter(cmd, async (ctx, writer) => {
        const id = objectId(opts.stakeRecord, '--stake-record');
        const { unlockEpoch, digest } = await writer.requestUnstake(id);
        ctx.print(`${id} is unbonding; withdraw from epoch ${unlockEpoch}`, {
          stakeRecord: id,
          unlockEpoch: unlockEpoch.toString(),
          digest,
        });
      }),
    );

  program
    .command('withdraw')
    .description('withdraw an unbonding or slashed stake from its unlock epoch on')
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .action((opts: { stakeRecord: string }, cmd: Command) =>
      withWriter(cmd, async (ctx, writer) => {
        const id = objectId(opts.stakeRecord, '--stake-record');
        const { amount: paid, digest } = await writer.withdraw(id);
        ctx.print(`withdrew ${formatSui(paid)} SUI from ${id}`, { stakeRecord: id, amountMist: paid.toString(), digest });
      }),
    );

  program
    .command('slash')
    .description("slash a stake (needs the AdminCap holder's key)")
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .option('--reason <text>', 'reason recorded in the StakeSlashed event', 'slashed by operator')
    .option('--admin-cap <id>', 'AdminCap object id (default: from network.json, else found among your objects)')
    .action((opts: { stakeRecord: string; reason: string; adminCap?: string }, cmd: Command) =>
      withWriter(cmd, async (ctx, writer) => {
        const id = objectId(opts.stakeRecord, '--stake-record');
        const cap = opts.adminCap ? objectId(opts.adminCap, '--admin-cap') : undefined;
        const result = await writer.slash(id, opts.reason, cap);
        ctx.print(`slashed ${formatSui(result.slashedAmount)} SUI from ${id}; ${formatSui(result.remaining)} SUI remain`, {
          stakeRecord: id,
          slashedMist: result.slashedAmount.toString(),
          remainingMist: result.remaining.toString(),
          digest: result.digest,
        });
      }),
    );

  program
    .command('withdraw-treasury')
    .description("pay slashed SUI out of the pool's treasury (needs the AdminCap holder's key)")
    .requiredOption('--sui <amount>', 'amount of SUI to pay out (decimal)')
    .option('--to <address>', 'recipient (default: the signer)')
    .option('--admin-cap <id>', 'AdminCap object id (default: from network.json, else found among your objects)')
    .action((opts: { sui: string; to?: string; adminCap?: string }, cmd: Command) =>
      withWriter(cmd, async (ctx, writer) => {
        const mist = amount(opts.sui);
        const recipient = opts.to ? address(opts.to) : writer.address;
        const cap = opts.adminCap ? objectId(opts.adminCap, '--admin-cap') : undefined;
        const result = await writer.withdrawTreasury({ mist, recipient }, cap);
        ctx.print(`paid ${formatSui(result.amount)} SUI to ${recipient}; ${formatSui(result.remaining)} SUI remain in the treasury`, {
          recipient,
          amountMist: result.amount.toString(),
          remainingMist: result.remaining.toString(),
          digest: result.digest,
        });
      }),
    );

  const sealToken = program.command('seal-token').description('mint, show and revoke SealTokens');

  sealToken
    .command('create')
    .description('mint a SealToken from your active StakeRecord; prints its id and expiry epoch')
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .action((opts: { stakeRecord: string }, cmd: Command) =>
      withWriter(cmd, async (ctx, writer) => {
        const id = objectId(opts.stakeRecord, '--stake-record');
        const token = await writer.createSealToken(id);
        ctx.print(`${token.tokenId} expires at epoch ${token.expiresEpoch}`, {
          sealToken: token.tokenId,
          stakeRecord: id,
          issuedEpoch: token.issuedEpoch.toString(),
          expiresEpoch: token.expiresEpoch.toString(),
          digest: token.digest,
        });
      }),
    );

  sealToken
    .command('show')
    .description('show a SealToken and whether it has expired')
    .requiredOption('--seal-token <id>', 'SealToken object id')
    .action((opts: { sealToken: string }, cmd: Command) =>
      withReader(cmd, async (ctx, reader) => {
        const id = objectId(opts.sealToken, '--seal-token');
        const [token, epoch] = await Promise.all([reader.getSealToken(id), reader.getEpoch()]);
        if (!token) throw new UserError(`unknown object: ${id} is not a SealToken of the daas package on ${ctx.net.name}`);
        const view = { ...toJsonView(token), epoch: epoch.toString(), expired: isExpired(token, epoch) };
        ctx.print(textBlock(view), view);
      }),
    );

  sealToken
    .command('revoke')
    .description('revoke (delete) a SealToken you own')
    .requiredOption('--seal-token <id>', 'SealToken object id')
    .action((opts: { sealToken: string }, cmd: Command) =>
      withWriter(cmd, async (ctx, writer) => {
        const id = objectId(opts.sealToken, '--seal-token');
        const { digest } = await writer.revokeSealToken(id);
        ctx.print(`revoked ${id}`, { sealToken: id, revoked: true, digest });
      }),
    );
}

// ---- shared plumbing -------------------------------------------------------------------------

function context(cmd: Command): Context {
  const globals = cmd.optsWithGlobals() as GlobalOptions;
  const output = globals.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UserError(`--output must be text or json, not ${output}`);
  const json = output === 'json';
  const net = resolveNetwork(globals.network);
  const print = (text: string, obj: Record<string, unknown>) =>
    void process.stdout.write(`${json ? JSON.stringify(obj) : text}\n`);
  return { net, json, print };
}

function signer(cmd: Command): Keypair {
  const globals = cmd.optsWithGlobals() as GlobalOptions;
  return loadSigner({ key: globals.key, keystore: globals.keystore, address: globals.address });
}

export async function withReader(cmd: Command, fn: (ctx: Context, reader: ChainReader) => Promise<void>): Promise<void> {
  await explained(async () => {
    const ctx = context(cmd);
    const reader = new ChainReader(ctx.net);
    try {
      await fn(ctx, reader);
    } finally {
      reader.close();
    }
  });
}

export async function withWriter(cmd: Command, fn: (ctx: Context, writer: ChainWriter) => Promise<void>): Promise<void> {
  await explained(async () => {
    const ctx = context(cmd);
    const progress = createProgress(process.stderr);
    const writer = new ChainWriter(ctx.net, signer(cmd), { onProgress: (phase, detail) => progress.update(phase, detail) });
    try {
      await fn(ctx, writer);
    } finally {
      progress.stop();
      writer.close();
    }
  });
}

/** Turns chain and configuration failures into one-line UserErrors. */
async function explained(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ChainTxError || error instanceof NetworkConfigError) throw new UserError(error.message);
    if (error instanceof ChainUnavailableError) throw new UserError(`Sui network unreachable: ${error.message}`, 2);
    throw error;
  }
}

function amount(text: string | undefined): bigint {
  if (!text) throw new UserError('--sui <amount> is required');
  try {
    return parseSui(text);
  } catch (error) {
    throw new UserError(`--sui: ${(error as Error).message}`);
  }
}

function stakeKind(text: string | undefined): StakeKindName {
  if (!text) throw new UserError('--kind node|user|admin is required');
  if (!Object.hasOwn(StakeKind, text)) throw new UserError(`--kind must be node, user or admin, not ${text}`);
  return text as StakeKindName;
}

export function objectId(text: string, flag: string): string {
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(text)) throw new UserError(`${flag} ${text} is not an object id (0x + hex)`);
  return text.toLowerCase();
}

function address(text: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new UserError(`--to ${text} is not a Sui address (0x + 64 hex digits)`);
  return text.toLowerCase();
}

export function textBlock(view: Record<string, unknown>): string {
  return Object.entries(view)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('\n');
}
