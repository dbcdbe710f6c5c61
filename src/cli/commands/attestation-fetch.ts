/**
 * `daas-auth attestation fetch --url https://…`: asks a running webhook for a fresh attestation
 * document over one TLS connection and verifies it — AWS root (or --root), chain, time (now), the
 * random nonce it sent, the pinned PCRs, no debug mode (unless --allow-debug), and that the document's
 * public_key is the key of the certificate this very connection presented. With --kubeconfig-out it
 * writes kube-apiserver's webhook kubeconfig trusting exactly that certificate; with --check-chain it
 * confirms the on-chain Enclave holds that key under the config's current PCRs.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { globalsOf } from '../globals.ts';
import { resolveNetwork } from '../../chain/network.ts';
import { ChainReader } from '../../chain/reader.ts';
import { toHex } from '../../enclave/attestation/bytes.ts';
import type { VerifiedDocument } from '../../enclave/attestation/index.ts';
import { fetchAttestation, webhookKubeconfig, type FetchedAttestation } from '../../enclave/fetch.ts';
import { enclaveMismatch, readEnclave, readEnclaveConfig } from '../../enclave/registry.ts';
import { decodeUserData } from '../../enclave/route/request.ts';
import { UserError } from '../errors.ts';
import { checkDebugAndPins, collect, outputFormat, parsePcrFlags, readInput, summary, toJson, verifyOrExplain } from './attestation-report.ts';
import { isSuiIdInput } from '../../policy/formats.ts';

interface FetchFlags {
  url: string;
  pcr: string[];
  root: string[];
  allowDebug?: boolean;
  kubeconfigOut?: string;
  webhookPath: string;
  clientCert?: string;
  clientKey?: string;
  documentOut?: string;
  checkChain?: string;
}

const NONCE_BYTES = 32;

export function registerFetch(attestation: Command): void {
  attestation
    .command('fetch')
    .description('get a fresh attestation document from a webhook and verify it against the TLS connection it came over')
    .requiredOption('--url <https-url>', 'the webhook, e.g. https://10.0.0.5:8443 (the parent instance relay)')
    .option('--pcr <N=HEX>', 'expected PCR value (repeatable; pin at least PCR0)', collect, [])
    .option('--root <file>', 'trust this root PEM instead of the pinned AWS Nitro root G1 (repeatable)', collect, [])
    .option('--allow-debug', 'accept a debug-mode document (PCR0-2 all zero)')
    .option('--kubeconfig-out <file>', "write kube-apiserver's token webhook kubeconfig pinning the attested certificate")
    .option('--webhook-path <path>', 'the TokenReview path for --kubeconfig-out', '/authenticate')
    .option('--client-cert <file>', "kube-apiserver's client certificate for the webhook: presented by fetch too, and named in --kubeconfig-out")
    .option('--client-key <file>', "kube-apiserver's client key for the webhook (with --client-cert)")
    .option('--document-out <file>', 'also save the verified document (raw CBOR), e.g. for enclave register')
    .option('--check-chain <enclave-id>', 'confirm this on-chain Enclave holds the attested key under the current PCRs (uses --network)')
    .action((flags: FetchFlags, cmd: Command) => runFetch(flags, cmd));
}

async function runFetch(flags: FetchFlags, cmd: Command): Promise<void> {
  const output = outputFormat(cmd);
  const base = parseUrl(flags.url);
  if (!flags.clientCert !== !flags.clientKey) throw new UserError('--client-cert and --client-key go together');
  const expectedPcrs = flags.pcr.length ? parsePcrFlags(flags.pcr) : undefined;
  const roots = flags.root.length ? flags.root.map((f) => readInput(f, '--root').toString('utf8')) : undefined;
  const client = flags.clientCert ? { cert: readInput(flags.clientCert, '--client-cert'), key: readInput(flags.clientKey!, '--client-key') } : undefined;
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  let fetched: FetchedAttestation;
  try {
    fetched = await fetchAttestation(base, nonce, client);
  } catch (error) {
    throw new UserError(`attestation fetch: ${(error as Error).message}`);
  }
  const at = new Date();
  const verified = verifyOrExplain(fetched.document, { at, roots, expectedPcrs, nonce, publicKey: fetched.presentedSpki }, output);
  checkDebugAndPins(verified, expectedPcrs !== undefined, flags.allowDebug === true, output);
  if (flags.checkChain) await checkChain(cmd, flags.checkChain, verified);
  if (flags.documentOut) writeFileSync(flags.documentOut, fetched.document, { mode: 0o644 });
  if (flags.kubeconfigOut) writeKubeconfig(flags, base, fetched.certificatePem);
  const userData = decodeUserData(verified.userData);
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify({ ...toJson(verified, at), url: base.origin, served: userData, onChain: flags.checkChain ?? null })}\n`);
    return;
  }
  const extra = [
    `  url         ${base.origin} (the key of the certificate it presented is the attested public_key)`,
    `  serves      ${userData ? `package ${userData.packageId}, clusters ${userData.clusters.join(', ')}` : 'unknown (user_data is not a daas-auth one)'}`,
    ...(flags.checkChain ? [`  on chain    enclave ${flags.checkChain} holds this key under the current PCRs`] : []),
    ...(flags.kubeconfigOut ? [`  kubeconfig  ${flags.kubeconfigOut}`] : []),
  ];
  process.stdout.write(`${summary(verified, at)}${extra.join('\n')}\n`);
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`--url ${text} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new UserError(`--url must be https (TLS ends inside the enclave), not ${url.protocol}`);
  return url;
}

function writeKubeconfig(flags: FetchFlags, base: URL, certificatePem: string): void {
  const server = new URL(flags.webhookPath, base.origin).toString();
  const text = webhookKubeconfig({ server, certificatePem, clientCertFile: flags.clientCert, clientKeyFile: flags.clientKey });
  try {
    writeFileSync(flags.kubeconfigOut!, text, { mode: 0o600 });
  } catch (error) {
    throw new UserError(`cannot write --kubeconfig-out ${flags.kubeconfigOut}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function checkChain(cmd: Command, enclaveId: string, doc: VerifiedDocument): Promise<void> {
  if (!isSuiIdInput(enclaveId)) throw new UserError(`--check-chain ${enclaveId} is not an object id (0x + hex)`);
  const net = resolveNetwork(globalsOf(cmd).network);
  if (!net.enclaveConfigId) throw new UserError(`network ${net.name} names no enclave config (DAAS_ENCLAVE_CONFIG_ID)`);
  const reader = new ChainReader(net);
  try {
    const [enclave, config] = await Promise.all([
      readEnclave(reader.client, net.packageId, enclaveId),
      readEnclaveConfig(reader.client, net.packageId, net.enclaveConfigId),
    ]);
    if (!enclave) throw new UserError(`--check-chain: ${enclaveId} is not an Enclave of package ${net.packageId}`);
    if (!config) throw new UserError(`--check-chain: the enclave config ${net.enclaveConfigId} does not exist`);
    const pcrs = [config.pcr0, config.pcr1, config.pcr2];
    const sameImage = pcrs.every((pcr, i) => toHex(pcr) === toHex(doc.pcrs.get(i) ?? new Uint8Array()));
    if (!sameImage) throw new UserError('--check-chain: the document\'s PCR0-2 are not the ones the on-chain config expects');
    const mismatch = enclaveMismatch(enclave, config, doc.publicKey ?? new Uint8Array());
    if (mismatch) throw new UserError(`--check-chain: ${mismatch}`);
  } finally {
    reader.close();
  }
}
