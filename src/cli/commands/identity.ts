/**
 * Who the CLI signs as, and the keys it can sign with:
 *
 *   daas-auth whoami [--check]     address, key scheme and where the key came from; with --check the
 *                                  SealTokens this address holds, their stake and the tier each gives
 *   daas-auth keys [list]          the keystore's addresses (like `sui keytool list`)
 *   daas-auth keys new [--scheme]  a new key appended to the keystore (0600); prints its address
 *
 * The keystore is --keystore, DAAS_KEYSTORE, else the Sui CLI's (client.yaml), so a Sui user needs
 * no flags at all. Key material is never printed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Keypair } from '@mysten/sui/cryptography';
import { ChainTxError, ChainUnavailableError } from '../../chain/errors.ts';
import { isExpired } from '../../chain/objects.ts';
import { ChainReader } from '../../chain/reader.ts';
import { MODULES, structType } from '../../chain/schema.ts';
import { DEFAULT_TIERS, tierFor } from '../../policy/tiers.ts';
import { amountFields } from '../amounts.ts';
import { UserError } from '../errors.ts';
import { keySourcesOf, networkOf, outputOf, type ResolvedKeySources } from '../globals.ts';
import { writeSecretFile } from '../secret-file.ts';
import { keypairScheme, loadSigner, parseKeystore, newKeystoreEntry, type KeyScheme, KEY_SCHEMES } from '../keys.ts';

export function register(program: Command): void {
  program
    .command('whoami')
    .description('show the address, key scheme and key source the CLI signs with (--check: its stake and SealTokens on chain)')
    .option('--check', 'also read the chain: each SealToken you hold, its StakeRecord, amount and tier')
    .action(async (opts: { check?: boolean }, cmd: Command) => {
      const sources = keySourcesOf(cmd);
      const signer = loadSigner(sources);
      const me = { address: signer.toSuiAddress(), scheme: keypairScheme(signer), source: sources.origin };
      const out = outputOf(cmd);
      if (!opts.check) {
        out.print(`address: ${me.address}\nscheme:  ${me.scheme}\nsource:  ${me.source}`, me);
        return;
      }
      const tokens = await onChain(cmd, me.address);
      const lines = tokens.length === 0 ? ['sealTokens: none (daas-auth stake, then daas-auth seal-token create)'] : tokens.map(tokenLine);
      out.print([`address: ${me.address}`, `scheme:  ${me.scheme}`, `source:  ${me.source}`, ...lines].join('\n'), { ...me, sealTokens: tokens });
    });

  const keys = program.command('keys').description("list the keystore's addresses, or add a new key (keys new)");

  keys
    .command('list', { isDefault: true })
    .description("list the keystore's addresses (the active one marked)")
    .action((_opts: unknown, cmd: Command) => {
      const { file, active } = keystoreOf(keySourcesOf(cmd));
      const entries = readKeystore(file).map((k) => ({ address: k.toSuiAddress(), scheme: keypairScheme(k), active: k.toSuiAddress() === active }));
      const text = entries.length === 0 ? `${file}: no keys (daas-auth keys new)` : entries.map((e) => `${e.active ? '*' : ' '} ${e.address}  ${e.scheme}`).join('\n');
      outputOf(cmd).print(text, { keystore: file, keys: entries });
    });

  keys
    .command('new')
    .description('make a new key in the keystore (created 0600 if missing); prints its address')
    .addOption(new Option('--scheme <scheme>', 'key scheme').choices(KEY_SCHEMES).default('ed25519'))
    .action((opts: { scheme: KeyScheme }, cmd: Command) => {
      const { file } = keystoreOf(keySourcesOf(cmd));
      readKeystore(file); // refuses a file that is not a keystore before anything is written
      const existing: unknown[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown[]) : [];
      const { keypair, entry } = newKeystoreEntry(opts.scheme);
      writeSecretFile(file, `${JSON.stringify([...existing, entry], null, 2)}\n`);
      const address = keypair.toSuiAddress();
      if (!outputOf(cmd).json) process.stderr.write(`daas-auth: added a ${opts.scheme} key to ${file}\n`);
      outputOf(cmd).print(address, { address, scheme: keypairScheme(keypair), keystore: file });
    });
}

/** The keystore these sources name (a --key / DAAS_KEY has none) and its active address. */
function keystoreOf(sources: ResolvedKeySources): { file: string; active?: string } {
  if (!sources.keystore) {
    throw new UserError('no keystore: pass --keystore FILE, set DAAS_KEYSTORE, or set up the Sui CLI (~/.sui/sui_config/client.yaml)');
  }
  return { file: path.resolve(sources.keystore), ...(sources.address ? { active: sources.address.toLowerCase() } : {}) };
}

function readKeystore(file: string): Keypair[] {
  if (!existsSync(file)) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read keystore ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseKeystore(text, file);
}

interface TokenStatus {
  sealToken: string;
  stakeRecord: string;
  kind: string | null;
  status: string | null;
  amountMist: string | null;
  amountSui: string | null;
  tier: string | null;
  expiresEpoch: string;
  expired: boolean;
}

function tokenLine(t: TokenStatus): string {
  const stake = t.status === null ? 'stake record not found' : `${t.kind} stake ${t.amountSui} SUI, ${t.status}, tier ${t.tier ?? 'none'}`;
  return `sealToken ${t.sealToken}: ${stake}; expires at epoch ${t.expiresEpoch}${t.expired ? ' (EXPIRED)' : ''}`;
}

/** Every SealToken the address owns, with its StakeRecord and the default tier its amount reaches. */
async function onChain(cmd: Command, address: string): Promise<TokenStatus[]> {
  const net = await networkOf(cmd);
  const reader = new ChainReader(net);
  try {
    const type = structType(net.packageId, MODULES.seal, 'SealToken');
    const { objects } = await reader.client.call('listOwnedObjects', (c) => c.core.listOwnedObjects({ owner: address, type, limit: 50 }));
    const tokens = [...(await reader.getSealTokens(objects.map((o) => o.objectId))).values()].filter((t) => t !== null);
    const [records, epoch] = await Promise.all([reader.getStakeRecords(tokens.map((t) => t.stakeRecord)), reader.getEpoch()]);
    return tokens.map((t) => {
      const record = records.get(t.stakeRecord) ?? null;
      const amounts = record ? amountFields('amount', record.amount) : { amountMist: null, amountSui: null };
      return {
        sealToken: t.id,
        stakeRecord: t.stakeRecord,
        kind: record?.kind ?? null,
        status: record?.status ?? null,
        ...amounts,
        tier: record && record.status === 'active' ? (tierFor(record.amount, DEFAULT_TIERS)?.name ?? null) : null,
        expiresEpoch: t.expiresEpoch.toString(),
        expired: isExpired(t, epoch),
      };
    });
  } catch (error) {
    if (error instanceof ChainUnavailableError) throw new UserError(`Sui network unreachable: ${error.message}`, 2);
    if (error instanceof ChainTxError) throw new UserError(error.message);
    throw error;
  } finally {
    reader.close();
  }
}
