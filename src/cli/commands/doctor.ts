/**
 * `daas-auth doctor`: checks a live installation end to end and names the broken piece — one line per
 * check (✓ pass, ! warn, ✗ fail, - skipped), exit 1 when any check fails; `--output json` prints
 * `{ ok, checks: [{ id, title, status, detail }] }`. The verdicts are src/doctor/checks.ts, the probes
 * src/doctor/probes.ts.
 */
import type { Command } from 'commander';
import { globalsOf, type GlobalOptions } from '../globals.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { NetworkConfigError, resolveNetwork } from '../../chain/network.ts';
import { ConfigError, loadConfig } from '../../config/load.ts';
import { parseDuration } from '../../config/duration.ts';
import { WEBHOOK_CONFIGURATION_NAME } from '../../admission/manifest.ts';
import { failed, renderText } from '../../doctor/checks.ts';
import { runDoctor, type DoctorInputs } from '../../doctor/probes.ts';
import { isSuiId } from '../../policy/formats.ts';
import { isAudience } from '../../token/claims.ts';
import { UserError } from '../errors.ts';

interface DoctorOptions {
  kubeconfig?: string;
  sealToken?: string;
  cluster?: string;
  webhookConfiguration: string;
  timeout: string;
}

const NOT_SERVING = '(not used by doctor)';

/** Lifetime of the token doctor mints to test the wiring: long enough for one SelfSubjectReview. */
const PROBE_TOKEN_TTL_SECONDS = 120;

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check a live installation end to end and name the broken piece')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster (default: $KUBECONFIG, ~/.kube/config)')
    .option('--seal-token <id>', 'a SealToken of the signing key (or DAAS_SEAL_TOKEN): mint a token and check kube-apiserver accepts it')
    .option('--cluster <id>', 'the cluster id tokens name (default: the first of the configuration, or DAAS_CLUSTER)')
    .option('--webhook-configuration <name>', 'the ValidatingWebhookConfiguration to check', WEBHOOK_CONFIGURATION_NAME)
    .option('--timeout <duration>', 'deadline of each probe', '5s')
    .addHelpText(
      'after',
      [
        '',
        'Checks: kube-apiserver authenticates a fresh seal token as sui:<address> through the token webhook',
        '(needs --seal-token and a key: --key, --keystore or DAAS_KEY); the admission ValidatingWebhookConfiguration',
        'exists and its caBundle verifies the serving certificate; that certificate is not expiring (warns under',
        '30 days); every Sui endpoint answers with the expected chain id; the package and pool ids exist; the clock',
        "agrees with kube-apiserver's; the SealBinding CRD is established; a controller holds the leader Lease.",
        'Configuration (network, clusters, controller.leaseNamespace/leaseName, kubernetes.kubeconfig) as for serve:',
        "--config (serve's own file will do), DAAS_* variables, --network and --cluster.",
        '',
        'Example:',
        '  daas-auth --config daas-auth.yaml doctor --kubeconfig admin.kubeconfig --seal-token 0x… --key suiprivkey1…',
      ].join('\n'),
    )
    .action(async (opts: DoctorOptions, cmd: Command) => {
      const globals = globalsOf(cmd);
      const output = globals.output ?? 'text';
      if (output !== 'text' && output !== 'json') throw new UserError(`--output must be text or json, not ${output}`);
      const inputs = await doctorInputs(globals, opts);
      const checks = await runDoctor(inputs);
      const ok = !failed(checks);
      process.stdout.write(output === 'json' ? `${JSON.stringify({ ok, checks })}\n` : renderText(checks));
      if (!ok) process.exitCode = 1;
    });
}

async function doctorInputs(globals: GlobalOptions, opts: DoctorOptions): Promise<DoctorInputs> {
  const timeoutMs = timeout(opts.timeout);
  const env = process.env;
  const clusterFlag = (opts.cluster ?? env.DAAS_CLUSTER ?? '').trim();
  if (clusterFlag && !isAudience(clusterFlag)) throw new UserError('--cluster must be the cluster id (1–253 printable characters, no spaces)');
  let config;
  try {
    config = loadConfig({
      file: globals.config,
      flags: {
        network: { name: globals.network },
        ...(clusterFlag ? { clusters: [{ id: clusterFlag, apiAudiences: [] }] } : {}),
        // Doctor serves nothing: an operator's machine has no serving certificate or client CA, and serve's file may name them.
        server: { tlsCertFile: NOT_SERVING, tlsKeyFile: NOT_SERVING, clientCaFile: NOT_SERVING },
      },
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new UserError(error.message);
    throw error;
  }
  let network;
  try {
    network = resolveNetwork(config.network.name, {
      stateDir: config.network.stateDir,
      overrides: { endpoints: config.network.endpoints, packageId: config.network.packageId, poolId: config.network.poolId },
    });
  } catch (error) {
    if (error instanceof NetworkConfigError) throw new UserError(error.message);
    throw error;
  }
  const kubeConfig = new KubeConfig();
  try {
    const file = opts.kubeconfig ?? config.kubernetes.kubeconfig;
    if (file) kubeConfig.loadFromFile(file);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new UserError(`cannot load the kubeconfig: ${(error as Error).message}`);
  }
  if (!kubeConfig.getCurrentCluster()) throw new UserError('no Kubernetes cluster configured (set --kubeconfig or KUBECONFIG)');
  return {
    kubeConfig,
    network,
    timeoutMs,
    webhookConfiguration: opts.webhookConfiguration,
    lease: { namespace: config.controller.leaseNamespace, name: config.controller.leaseName },
    token: await probeToken(globals, opts.sealToken ?? env.DAAS_SEAL_TOKEN, config.clusters[0]!.id),
  };
}

/** A fresh seal token for the authn check, or why that check is skipped. */
async function probeToken(globals: GlobalOptions, sealTokenFlag: string | undefined, cluster: string): Promise<DoctorInputs['token']> {
  const sealToken = (sealTokenFlag ?? '').trim().toLowerCase();
  if (!sealToken) return { skipped: 'no --seal-token given: pass one (and a key) to check that kube-apiserver calls the token webhook' };
  if (!isSuiId(sealToken)) throw new UserError('--seal-token must be a SealToken object id (0x + 64 hex digits)');
  const [{ loadSigner }, { makeSealToken, newClaims }] = await Promise.all([import('../keys.ts'), import('../../token/make.ts')]);
  const signer = loadSigner({ key: globals.key, keystore: globals.keystore, address: globals.address, env: process.env });
  const claims = newClaims({ cluster, sub: signer.toSuiAddress(), sealToken, ttlSeconds: PROBE_TOKEN_TTL_SECONDS });
  return { bearer: await makeSealToken(signer, claims), expectedUser: `sui:${signer.toSuiAddress()}` };
}

function timeout(text: string): number {
  let seconds: number;
  try {
    seconds = parseDuration(text);
  } catch (error) {
    throw new UserError(`--timeout: ${(error as Error).message}`);
  }
  if (seconds < 1 || seconds > 300) throw new UserError('--timeout must be between 1s and 5m');
  return Math.round(seconds * 1000);
}
