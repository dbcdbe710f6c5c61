/**
 * The on-chain enclave registry on the command line (docs/enclave.md):
 *   enclave set-pcrs --pcr 0=… --pcr 1=… --pcr 2=…   the AdminCap holder pins the image
 *   enclave register FILE                             anyone registers a document showing those PCRs
 *   enclave show [--enclave ID]                       the config, or one registered enclave
 * `register` sends the two-command transaction Sui needs: load_nitro_attestation, then register_enclave.
 */
import type { Command } from 'commander';
import { toHex } from '../../enclave/attestation/bytes.ts';
import { explainNitroAbort, readEnclave, readEnclaveConfig } from '../../enclave/registry.ts';
import { UserError } from '../errors.ts';
import { decodeDocumentInput, parsePcrFlags, readInput, collect } from './attestation-report.ts';
import { objectId, textBlock, withReader, withWriter, type Context } from './stake.ts';

export function register(program: Command): void {
  const enclave = program.command('enclave').description('the on-chain enclave registry: pin PCRs, register an attested enclave, show');

  enclave
    .command('set-pcrs')
    .description("pin the PCR0, PCR1 and PCR2 an enclave must show to register (needs the AdminCap holder's key)")
    .option('--pcr <N=HEX>', 'PCR 0, 1 and 2, 48 bytes each (give all three)', collect, [])
    .option('--admin-cap <id>', 'AdminCap object id (default: the one the key owns)')
    .action((opts: { pcr: string[]; adminCap?: string }, cmd: Command) => {
      // Local input first: a typo is reported before any network is looked up.
      const pcrs = imagePcrs(opts.pcr);
      const cap = opts.adminCap === undefined ? undefined : objectId(opts.adminCap, '--admin-cap');
      return withWriter(cmd, { '--admin-cap': cap }, async (ctx, writer) => {
        const { version, digest } = await writer.setExpectedPcrs(pcrs, cap);
        ctx.print(`enclave config at version ${version}`, { version: version.toString(), digest });
      });
    });

  enclave
    .command('register <document>')
    .description('register an enclave from its attestation document (raw CBOR, base64 or hex; - reads stdin); prints the Enclave id')
    .action((file: string, _opts: unknown, cmd: Command) => {
      const document = decodeDocumentInput(readInput(file, 'document'));
      return withWriter(cmd, {}, async (ctx, writer) => {
        const { enclaveId, digest } = await writer.registerEnclave(document).catch((error: unknown) => Promise.reject(explainNitroAbort(error)));
        ctx.print(enclaveId, { enclave: enclaveId, digest });
      });
    });

  enclave
    .command('show')
    .description('show the enclave config (expected PCRs), or with --enclave one registered enclave')
    .option('--enclave <id>', 'an Enclave object id')
    .action((opts: { enclave?: string }, cmd: Command) => {
      const enclaveId = opts.enclave === undefined ? undefined : objectId(opts.enclave, '--enclave');
      return withReader(cmd, async (ctx, reader) => {
        if (enclaveId) return showEnclave(ctx, reader.client, enclaveId);
        const configId = ctx.net.enclaveConfigId;
        if (!configId) throw new UserError(`network ${ctx.net.name} names no enclave config (DAAS_ENCLAVE_CONFIG_ID)`);
        const config = await readEnclaveConfig(reader.client, ctx.net.packageId, configId);
        if (!config) throw new UserError(`unknown object: ${configId} is not an EnclaveConfig of the daas package on ${ctx.net.name}`);
        const view = { config: config.id, pcrVersion: config.pcrVersion.toString(), pcr0: toHex(config.pcr0), pcr1: toHex(config.pcr1), pcr2: toHex(config.pcr2) };
        ctx.print(textBlock(view), view);
      });
    });
}

/** Exactly PCR0, PCR1 and PCR2, 48 bytes each: what enclave_registry::set_expected_pcrs takes. */
export function imagePcrs(flags: readonly string[]): [Uint8Array, Uint8Array, Uint8Array] {
  const pcrs = parsePcrFlags(flags);
  const three = [0, 1, 2].map((i) => pcrs.get(i));
  if (pcrs.size !== 3 || three.some((pcr) => pcr?.length !== 48)) {
    throw new UserError('--pcr 0=HEX --pcr 1=HEX --pcr 2=HEX are needed, 48 bytes (96 hex digits) each');
  }
  return three as [Uint8Array, Uint8Array, Uint8Array];
}

async function showEnclave(ctx: Context, client: Parameters<typeof readEnclave>[0], id: string): Promise<void> {
  const enclave = await readEnclave(client, ctx.net.packageId, id);
  if (!enclave) throw new UserError(`unknown object: ${id} is not an Enclave of the daas package on ${ctx.net.name}`);
  const view = {
    enclave: enclave.id,
    publicKey: toHex(enclave.publicKey),
    pcr0: toHex(enclave.pcr0),
    configVersion: enclave.configVersion.toString(),
    registeredBy: enclave.registeredBy,
    registeredEpoch: enclave.registeredEpoch.toString(),
    attestedAt: new Date(Number(enclave.attestationTimestampMs)).toISOString(),
  };
  ctx.print(textBlock(view), view);
}
