/**
 * `daas-auth attestation verify FILE`: checks an AWS Nitro attestation document (docs/design.md §6, §9) and
 * prints a summary, or one line naming the failed check. Exit 0 verified, 1 rejected or bad input.
 * With --output json the result (or the failure: code and message) is one JSON object on stdout.
 * `daas-auth attestation fetch --url`: the same checks on a fresh document from a running webhook,
 * bound to the TLS connection it came over (src/cli/commands/attestation-fetch.ts).
 */
import type { Command } from 'commander';
import { registerFetch } from './attestation-fetch.ts';
import {
  checkDebugAndPins,
  collect,
  decodeDocumentInput,
  hexFlag,
  outputFormat,
  parseAt,
  parsePcrFlags,
  publicKeyFromFile,
  readInput,
  summary,
  toJson,
  verifyOrExplain,
} from './attestation-report.ts';

interface VerifyFlags {
  at: string;
  pcr: string[];
  nonce?: string;
  publicKey?: string;
  root: string[];
  allowDebug?: boolean;
}


export function register(program: Command): void {
  const attestation = program.command('attestation').description('AWS Nitro Enclaves attestation documents');
  attestation
    .command('verify <file>')
    .description('verify a Nitro attestation document (FILE: raw CBOR, base64 or hex; - reads stdin)')
    .option(
      '--at <time>',
      'time every certificate must be valid at: ISO 8601, unix milliseconds, "now", or "document" (its own timestamp, for archived documents)',
      'now',
    )
    .option('--pcr <N=HEX>', 'expected PCR value, e.g. --pcr 0=ab12... (repeatable)', collect, [])
    .option('--nonce <hex>', 'the nonce the document must echo')
    .option('--public-key <file>', 'the key the client saw (DER or PEM SubjectPublicKeyInfo, or a PEM certificate)')
    .option('--root <file>', 'trust this root PEM instead of the pinned AWS Nitro root G1 (repeatable)', collect, [])
    .option('--allow-debug', 'accept a debug-mode document (PCR0-2 all zero: any code can produce it)')
    .action((file: string, flags: VerifyFlags, cmd: Command) => runVerify(file, flags, outputFormat(cmd)));
  registerFetch(attestation);
}

function runVerify(file: string, flags: VerifyFlags, output: 'text' | 'json'): void {
  const document = decodeDocumentInput(readInput(file, 'document'));
  const options = {
    at: parseAt(flags.at, document),
    roots: flags.root.length ? flags.root.map((f) => readInput(f, '--root').toString('utf8')) : undefined,
    expectedPcrs: flags.pcr.length ? parsePcrFlags(flags.pcr) : undefined,
    nonce: flags.nonce === undefined ? undefined : hexFlag(flags.nonce, '--nonce'),
    publicKey: flags.publicKey === undefined ? undefined : publicKeyFromFile(readInput(flags.publicKey, '--public-key')),
  };
  const verified = verifyOrExplain(document, options, output);
  checkDebugAndPins(verified, options.expectedPcrs !== undefined, flags.allowDebug === true, output);
  process.stdout.write(output === 'json' ? `${JSON.stringify(toJson(verified, options.at))}\n` : summary(verified, options.at));
}
