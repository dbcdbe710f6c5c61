/**
 * The stake life cycle on the command line (docs/design.md §9): stake, stake show, top-up, unstake,
 * withdraw, slash, withdraw-treasury, seal-token create / show / revoke. Results go to stdout (the id alone, or one
 * JSON object with --output json); progress and errors go to stderr. Exit codes: 0 done,
 * 1 refused or bad input, 2 the network could not be reached (nothing is known to have happened).
 */
import type { Command } from 'commander';
import type { Keypair } from '@mysten/sui/cryptography';
import { ChainTxError, ChainUnavailableError } from '../../chain/errors.ts';
import type { NetworkConfig } from '../../chain/network.ts';
import { isExpired, toJsonView, type StakeRecordView } from '../../chain/objects.ts';
import { ChainReader } from '../../chain/reader.ts';
import { StakeKind, type StakeKindName } from '../../chain/schema.ts';
import { formatSui } from '../../chain/units.ts';
import { ChainWriter } from '../../chain/writer.ts';
import { amountFields, parseSuiFlag } from '../amounts.ts';
import { explainChainError, type GivenFlags } from '../chain-errors.ts';
import { chainFacts } from '../chain-facts.ts';
import { UserError } from '../errors.ts';
import { keySourcesOf, networkOf, outputOf } from '../globals.ts';
import { loadSigner } from '../keys.ts';
import { createProgress } from '../progress.ts';
import { isDns1123Subdomain, isFullSuiAddress, isSuiIdInput } from '../../policy/formats.ts';

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
    .option('--sui <amount>', 'amount of SUI to stake (decimal; required)')
    .option('--kind <kind>', 'node | user | admin (required)')
    .option('--node <name>', 'node name (required for --kind node)')
    .action((opts: { sui?: string; kind?: string; node?: string }, cmd: Command) => {
      const mist = parseSuiFlag(opts.sui);
      const kind = stakeKind(opts.kind);
      if (kind === 'node' && !opts.node) throw new UserError('--node NAME is required for --kind node');
      if (kind !== 'node' && opts.node) throw new UserError(`--node is only for --kind node, not --kind ${kind}`);
      if (opts.node !== undefined && !isDns1123Subdomain(opts.node)) throw new UserError(`--node ${opts.node} is not a valid node name (a DNS-1123 subdomain: lowercase letters, digits, '-' and '.')`);
      const given = { '--sui': opts.sui, '--kind': kind, '--node': opts.node };
      return withWriter(cmd, given, async (ctx, writer) => {
        const { recordId, digest } = await writer.stake({ mist, kind, nodeId: opts.node });
        ctx.print(recordId, { stakeRecord: recordId, kind, ...amountFields('amount', mist), digest });
      });
    });

  stake
    .command('show')
    .description('show a StakeRecord')
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .action((opts: { stakeRecord: string }, cmd: Command) => {
      const id = objectId(opts.stakeRecord, '--stake-record');
      return withReader(cmd, async (ctx, reader) => {
        const record = await reader.getStakeRecord(id);
        if (!record) throw new UserError(`--stake-record ${id} is not a StakeRecord of the daas package on ${ctx.net.name}`);
        const view = recordView(record);
        ctx.print(textBlock(view), view);
      });
    });

  program
    .command('top-up')
    .description('add SUI to an active StakeRecord')
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .requiredOption('--sui <amount>', 'amount of SUI to add (decimal)')
    .action((opts: { stakeRecord: string; sui: string }, cmd: Command) => {
      const id = objectId(opts.stakeRecord, '--stake-record');
      const mist = parseSuiFlag(opts.sui);
      return withWriter(cmd, { '--stake-record': id, '--sui': opts.sui }, async (ctx, writer) => {
        const { amount: total, digest } = await writer.topUp(id, mist);
        ctx.print(`${id} now holds ${formatSui(total)} SUI`, { stakeRecord: id, ...amountFields('amount', total), ...amountFields('added', mist), digest });
      });
    });

  program
    .command('unstake')
    .description('request to unstake: the record stops authenticating at once, can still be slashed, and can be withdrawn once its lock-up and unbonding period have passed')
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .action((opts: { stakeRecord: string }, cmd: Command) => {
      const id = objectId(opts.stakeRecord, '--stake-record');
      return withWriter(cmd, { '--stake-record': id }, async (ctx, writer) => {
        const { unlockEpoch, digest } = await writer.requestUnstake(id);
        ctx.print(`${id} is unbonding; withdraw from epoch ${unlockEpoch}`, { stakeRecord: id, unlockEpoch: unlockEpoch.toString(), digest });
      });
    });

  program
    .command('withdraw')
    .description('withdraw an unbonding or slashed stake from its unlock epoch on')
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .action((opts: { stakeRecord: string }, cmd: Command) => {
      const id = objectId(opts.stakeRecord, '--stake-record');
      return withWriter(cmd, { '--stake-record': id }, async (ctx, writer) => {
        const { amount: paid, digest } = await writer.withdraw(id);
        ctx.print(`withdrew ${formatSui(paid)} SUI from ${id}`, { stakeRecord: id, ...amountFields('amount', paid), digest });
      });
    });

  program
    .command('slash')
    .description("slash a stake (needs the AdminCap holder's key)")
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .option('--reason <text>', 'reason recorded in the StakeSlashed event', 'slashed by operator')
    .option('--admin-cap <id>', 'AdminCap object id (default: from network.json, else found among your objects)')
    .action((opts: { stakeRecord: string; reason: string; adminCap?: string }, cmd: Command) => {
      const id = objectId(opts.stakeRecord, '--stake-record');
      const cap = opts.adminCap ? objectId(opts.adminCap, '--admin-cap') : undefined;
      return withWriter(cmd, { '--stake-record': id, '--admin-cap': cap }, async (ctx, writer) => {
        const result = await writer.slash(id, opts.reason, cap);
        ctx.print(`slashed ${formatSui(result.slashedAmount)} SUI from ${id}; ${formatSui(result.remaining)} SUI remain`, {
          stakeRecord: id,
          ...amountFields('slashed', result.slashedAmount),
          ...amountFields('remaining', result.remaining),
          digest: result.digest,
        });
      });
    });

  program
    .command('withdraw-treasury')
    .description("pay slashed SUI out of the pool's treasury (needs the AdminCap holder's key)")
    .requiredOption('--sui <amount>', 'amount of SUI to pay out (decimal)')
    .option('--to <address>', 'recipient (default: the signer)')
    .option('--admin-cap <id>', 'AdminCap object id (default: from network.json, else found among your objects)')
    .action((opts: { sui: string; to?: string; adminCap?: string }, cmd: Command) => {
      const mist = parseSuiFlag(opts.sui);
      const to = opts.to === undefined ? undefined : address(opts.to);
      const cap = opts.adminCap ? objectId(opts.adminCap, '--admin-cap') : undefined;
      return withWriter(cmd, { '--sui': opts.sui, '--to': to, '--admin-cap': cap }, async (ctx, writer) => {
        const recipient = to ?? writer.address;
        const result = await writer.withdrawTreasury({ mist, recipient }, cap);
        ctx.print(`paid ${formatSui(result.amount)} SUI to ${recipient}; ${formatSui(result.remaining)} SUI remain in the treasury`, {
          recipient,
          ...amountFields('amount', result.amount),
          ...amountFields('remaining', result.remaining),
          digest: result.digest,
        });
      });
    });

  const sealToken = program.command('seal-token').description('mint, show and revoke SealTokens');

  sealToken
    .command('create')
    .description('mint a SealToken from your active StakeRecord; prints its id (the expiry epoch goes to stderr)')
    .requiredOption('--stake-record <id>', 'StakeRecord object id')
    .action((opts: { stakeRecord: string }, cmd: Command) => {
      const id = objectId(opts.stakeRecord, '--stake-record');
      return withWriter(cmd, { '--stake-record': id }, async (ctx, writer) => {
        const token = await writer.createSealToken(id);
        if (!ctx.json) process.stderr.write(`daas-auth: SealToken ${token.tokenId} expires at epoch ${token.expiresEpoch}\n`);
        ctx.print(token.tokenId, {
          sealToken: token.tokenId,
          stakeRecord: id,
          issuedEpoch: token.issuedEpoch.toString(),
          expiresEpoch: token.expiresEpoch.toString(),
          digest: token.digest,
        });
      });
    });

  sealToken
    .command('show')
    .description('show a SealToken and whether it has expired')
    .requiredOption('--seal-token <id>', 'SealToken object id')
    .action((opts: { sealToken: string }, cmd: Command) => {
      const id = objectId(opts.sealToken, '--seal-token');
      return withReader(cmd, async (ctx, reader) => {
        const [token, epoch] = await Promise.all([reader.getSealToken(id), reader.getEpoch()]);
        if (!token) throw new UserError(`--seal-token ${id} is not a SealToken of the daas package on ${ctx.net.name}`);
        const view = { ...toJsonView(token), epoch: epoch.toString(), expired: isExpired(token, epoch) };
        ctx.print(textBlock(view), view);
      });
    });

  sealToken
    .command('revoke')
    .description('revoke (delete) a SealToken you own')
    .requiredOption('--seal-token <id>', 'SealToken object id')
    .action((opts: { sealToken: string }, cmd: Command) => {
      const id = objectId(opts.sealToken, '--seal-token');
      return withWriter(cmd, { '--seal-token': id }, async (ctx, writer) => {
        const { digest } = await writer.revokeSealToken(id);
        ctx.print(`revoked ${id}`, { sealToken: id, revoked: true, digest });
      });
    });
}

// ---- shared plumbing -------------------------------------------------------------------------

/** A StakeRecord for output: amounts as <name>Mist / <name>Sui like every other command. */
function recordView(record: StakeRecordView): Record<string, unknown> {
  const { amount: _amount, slashedAmount: _slashed, ...rest } = toJsonView(record);
  return { ...rest, ...amountFields('amount', record.amount), ...amountFields('slashed', record.slashedAmount) };
}

async function context(cmd: Command): Promise<Context> {
  const { json, print } = outputOf(cmd);
  return { net: await networkOf(cmd), json, print: (text, obj) => print(text, obj) };
}

function signer(cmd: Command): Keypair {
  return loadSigner(keySourcesOf(cmd));
}

export async function withReader(cmd: Command, fn: (ctx: Context, reader: ChainReader) => Promise<void>): Promise<void> {
  const ctx = await context(cmd);
  const reader = new ChainReader(ctx.net);
  try {
    await fn(ctx, reader);
  } catch (error) {
    throw await explained(error, {}, reader);
  } finally {
    reader.close();
  }
}

export async function withWriter(cmd: Command, given: GivenFlags, fn: (ctx: Context, writer: ChainWriter) => Promise<void>): Promise<void> {
  const ctx = await context(cmd);
  const key = signer(cmd);
  const progress = createProgress(process.stderr);
  const writer = new ChainWriter(ctx.net, key, { onProgress: (phase, detail) => progress.update(phase, detail) });
  try {
    await fn(ctx, writer);
  } catch (error) {
    progress.stop();
    const reader = new ChainReader(ctx.net);
    try {
      throw await explained(error, given, reader);
    } finally {
      reader.close();
    }
  } finally {
    progress.stop();
    writer.close();
  }
}

/** Chain failures as one-line UserErrors naming the flag and values (chain-errors.ts). */
async function explained(error: unknown, given: GivenFlags, reader: ChainReader): Promise<unknown> {
  if (error instanceof ChainTxError) return new UserError(await explainChainError(error, given, chainFacts(reader)));
  if (error instanceof ChainUnavailableError) return new UserError(`Sui network unreachable: ${error.message}`, 2);
  return error;
}

function stakeKind(text: string | undefined): StakeKindName {
  if (!text) throw new UserError('--kind node|user|admin is required');
  if (!Object.hasOwn(StakeKind, text)) throw new UserError(`--kind must be node, user or admin, not ${text}`);
  return text as StakeKindName;
}

export function objectId(text: string, flag: string): string {
  if (!isSuiIdInput(text)) throw new UserError(`${flag} ${text} is not an object id (0x + up to 64 hex digits)`);
  return text.toLowerCase();
}

function address(text: string): string {
  if (!isFullSuiAddress(text)) throw new UserError(`--to ${text} is not a Sui address (0x + 64 hex digits)`);
  return text.toLowerCase();
}

export function textBlock(view: Record<string, unknown>): string {
  return Object.entries(view)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('\n');
}
