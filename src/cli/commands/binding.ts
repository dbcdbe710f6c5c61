/**
 * `daas-auth binding ...`: SealBindings for stakers (docs/design.md §4, §9).
 *
 *   binding create --node NAME --stake-record ID [--seal-token ID] [--owner ADDR] [--wait]
 *   binding list [--owner ADDR]
 *   binding describe NAME
 *   binding webhook-manifest --url URL --ca-file FILE     (the ValidatingWebhookConfiguration, JSON)
 *   binding tier-rbac --namespace NS [--namespace NS…]   (the stake tiers' RoleBindings, JSON)
 *
 * The cluster is reached through --kubeconfig, $KUBECONFIG or the in-cluster account. The owner is
 * --owner, else the address of the key the global key flags name (--key, --keystore, DAAS_KEY).
 * Refusals by the admission webhook come back as one line naming the reason.
 */
import { readCaBundleFile } from '../ca-bundle.ts';
import type { Command } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { createSealBinding, getSealBinding, listSealBindings } from '../../k8s/api.ts';
import { KubeApiError, KubeRest } from '../../k8s/rest.ts';
import { SEALBINDING_API_VERSION, SEALBINDING_KIND, type Condition, type SealBinding } from '../../k8s/sealbinding.ts';
import { isDns1123Subdomain, isSuiId } from '../../policy/formats.ts';
import { validatingWebhookConfiguration } from '../../admission/manifest.ts';
import { DEFAULT_ADMISSION_CONFIG, type FailurePolicy } from '../../config/admission.ts';
import { UserError } from '../errors.ts';
import { NAMESPACED_TIERS, tierRoleBindingList } from '../../rbac/tiers.ts';
import { keySourcesOf, outputOf } from '../globals.ts';
import { loadSigner } from '../keys.ts';

export function register(program: Command): void {
  const binding = program
    .command('binding')
    .description('SealBindings: bind a worker node to a node stake')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config or in-cluster)');

  binding
    .command('create')
    .description('create a SealBinding for a node (named after the node)')
    .requiredOption('--node <name>', 'the Node name this stake backs')
    .requiredOption('--stake-record <id>', 'the node StakeRecord object id')
    .option('--seal-token <id>', 'a SealToken of that stake record; its expiry bounds the binding')
    .option('--owner <address>', "the staker's address (default: the address of your key)")
    .option('--name <name>', 'SealBinding name (default: the node name)')
    .option('--wait [seconds]', 'wait until the binding is Active (default 30 s)')
    .action((opts: CreateOptions, cmd: Command) => {
      // Bad input is refused before anything is contacted.
      const manifest = bindingManifest({ ...opts, owner: ownerAddress(opts, cmd) });
      return withCluster(cmd, (ctx) => create(ctx, manifest, opts.wait));
    });

  binding
    .command('list')
    .description('list SealBindings')
    .option('--owner <address>', 'only bindings of this staker')
    .action((opts: { owner?: string }, cmd: Command) => withCluster(cmd, (ctx) => list(ctx, opts)));

  binding
    .command('describe')
    .description('show a SealBinding: spec, status, conditions and recent events')
    .argument('<name>', 'SealBinding name')
    .action((name: string, _opts: unknown, cmd: Command) => withCluster(cmd, (ctx) => describe(ctx, name)));

  binding
    .command('webhook-manifest')
    .description('print the ValidatingWebhookConfiguration for the admission webhook (JSON, for kubectl apply -f -)')
    .requiredOption('--url <url>', 'base https URL of `daas-auth serve`, e.g. https://daas-auth.example:8443')
    .requiredOption('--ca-file <file>', 'PEM of the CA that signed the serving certificate')
    .option('--failure-policy <policy>', 'Fail | Ignore, for both webhooks', 'Fail')
    .action((opts: { url: string; caFile: string; failurePolicy: string }) => {
      const policy = failurePolicy(opts.failurePolicy);
      if (!/^https:\/\//.test(opts.url)) throw new UserError(`--url must be an https URL, not ${opts.url}`);
      const manifest = validatingWebhookConfiguration({
        endpoint: { url: opts.url },
        caBundlePem: readCaBundleFile(opts.caFile), // CA certificates only: never a key in a manifest
        config: { ...DEFAULT_ADMISSION_CONFIG, failurePolicy: { sealBindings: policy, nodes: policy } },
      });
      process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
    });

  registerTierRbac(binding);
}

/** `binding tier-rbac`: the tiers' RoleBindings in the namespaces the operator lists (src/rbac/tiers.ts). */
function registerTierRbac(binding: Command): void {
  binding
    .command('tier-rbac')
    .description('print RoleBindings granting the stake tiers below the top one in these namespaces (JSON List, for kubectl apply -f -)')
    .requiredOption('--namespace <name>', 'a namespace the tiers may work in (repeat for several; kube-* refused)', (v: string, all: string[] = []) => [...all, v])
    .option('--tiers <names>', 'comma-separated tier names', NAMESPACED_TIERS.join(','))
    .action((opts: { namespace: string[]; tiers: string }) => {
      let list;
      try {
        list = tierRoleBindingList(opts.namespace, opts.tiers.split(',').filter((t) => t !== ''));
      } catch (error) {
        throw new UserError((error as Error).message);
      }
      process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    });
}

interface CreateOptions {
  node: string;
  stakeRecord: string;
  sealToken?: string;
  owner?: string;
  name?: string;
  wait?: boolean | string;
}

interface Context {
  rest: KubeRest;
  json: boolean;
}

async function withCluster(cmd: Command, fn: (ctx: Context) => Promise<void>): Promise<void> {
  const globals = cmd.optsWithGlobals<{ kubeconfig?: string }>();
  const { json } = outputOf(cmd);
  const kc = new KubeConfig();
  try {
    if (globals.kubeconfig) kc.loadFromFile(globals.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new UserError(`cannot load the kubeconfig: ${(error as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new UserError('no Kubernetes cluster configured (set --kubeconfig or KUBECONFIG)');
  const rest = await KubeRest.fromKubeConfig(kc, { maxSockets: 4 }).catch((error: unknown) => {
    throw new UserError(`cannot use the kubeconfig (${(error as Error).message}); set --kubeconfig or KUBECONFIG`);
  });
  try {
    await fn({ rest, json });
  } catch (error) {
    throw explain(error);
  } finally {
    rest.close();
  }
}

/** One line for the user: what the apiserver (or the admission webhook behind it) said. */
export function explain(error: unknown): unknown {
  if (error instanceof KubeApiError) {
    const message = error.body?.message ?? error.message;
    if (error.status === 401) return new UserError('the cluster refused the credentials (401): check the kubeconfig user');
    if (error.status === 403 && !/admission webhook/.test(message)) return new UserError(`forbidden: ${message}`);
    return new UserError(message);
  }
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') {
    return new UserError(`cannot reach the Kubernetes API server (${code})`, 2);
  }
  return error;
}

function failurePolicy(text: string): FailurePolicy {
  if (text !== 'Fail' && text !== 'Ignore') throw new UserError(`--failure-policy must be Fail or Ignore, not ${text}`);
  return text;
}

function ownerAddress(opts: CreateOptions, cmd: Command): string {
  if (opts.owner) {
    if (!isSuiId(opts.owner)) throw new UserError(`--owner ${opts.owner} is not a Sui address (0x + 64 lowercase hex)`);
    return opts.owner;
  }
  return loadSigner(keySourcesOf(cmd)).toSuiAddress();
}

/** The SealBinding `binding create` submits (exported for tests). */
export function bindingManifest(opts: { node: string; stakeRecord: string; sealToken?: string; owner: string; name?: string }): SealBinding {
  if (!isDns1123Subdomain(opts.node)) throw new UserError(`--node ${opts.node} is not a valid node name (DNS-1123 subdomain)`);
  const stakeRecord = opts.stakeRecord.toLowerCase();
  if (!isSuiId(stakeRecord)) throw new UserError(`--stake-record ${opts.stakeRecord} is not an object id (0x + 64 hex)`);
  const sealToken = opts.sealToken?.toLowerCase();
  if (sealToken !== undefined && !isSuiId(sealToken)) throw new UserError(`--seal-token ${opts.sealToken} is not an object id (0x + 64 hex)`);
  const name = opts.name ?? opts.node;
  if (!isDns1123Subdomain(name)) throw new UserError(`--name ${name} is not a valid object name`);
  return {
    apiVersion: SEALBINDING_API_VERSION,
    kind: SEALBINDING_KIND,
    metadata: { name },
    spec: { nodeName: opts.node, owner: opts.owner, stakeRecord, ...(sealToken ? { sealToken } : {}) },
  };
}

async function create(ctx: Context, manifest: SealBinding, wait: CreateOptions['wait']): Promise<void> {
  let created = await createSealBinding(ctx.rest, manifest).catch((error: unknown) => {
    // The apiserver's own name check answers before the webhook when the binding is named after the node.
    if (error instanceof KubeApiError && error.status === 409 && error.body?.reason === 'AlreadyExists') {
      throw new UserError(`sealbinding/${manifest.metadata.name} already exists: a node has one binding (see daas-auth binding describe ${manifest.metadata.name})`);
    }
    throw error;
  });
  const name = created.metadata.name ?? '';
  if (wait !== undefined && wait !== false) {
    const seconds = wait === true ? 30 : Number(wait);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UserError(`--wait ${wait} is not a number of seconds`);
    created = await waitForPhase(ctx.rest, name, seconds * 1000);
  }
  // The name alone on stdout, like every create command; what happened goes to stderr.
  if (ctx.json) process.stdout.write(`${JSON.stringify(created)}\n`);
  else {
    process.stderr.write(`daas-auth: sealbinding/${name} created${created.status?.phase ? ` (${created.status.phase})` : ''}\n`);
    process.stdout.write(`${name}\n`);
  }
}

async function waitForPhase(rest: KubeRest, name: string, timeoutMs: number): Promise<SealBinding> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const current = await getSealBinding(rest, name);
    const phase = current?.status?.phase;
    if (current && phase && phase !== 'Pending') {
      if (phase === 'Active') return current;
      const ready = current.status?.conditions?.find((c) => c.type === 'Ready');
      throw new UserError(`sealbinding/${name} is ${phase}: ${ready?.message ?? 'see binding describe'}`);
    }
    if (Date.now() > end) throw new UserError(`sealbinding/${name} is not Active after ${Math.round(timeoutMs / 1000)} s (is the controller running?)`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function list(ctx: Context, opts: { owner?: string }): Promise<void> {
  const items = (await listSealBindings(ctx.rest)).filter((b) => !opts.owner || b.spec.owner === opts.owner);
  if (ctx.json) {
    process.stdout.write(`${JSON.stringify(items)}\n`);
    return;
  }
  process.stdout.write(items.length === 0 ? 'No SealBindings.\n' : `${bindingTable(items, Date.now())}\n`);
}

/** `kubectl get`-style table (exported for tests). */
export function bindingTable(items: readonly SealBinding[], now: number): string {
  const rows = items.map((b) => [
    b.metadata.name ?? '',
    b.spec.nodeName,
    shortId(b.spec.owner),
    b.status?.phase ?? 'Pending',
    b.status?.tier || '-',
    b.status?.expiresEpoch ?? '-',
    b.metadata.creationTimestamp ? age(now - Date.parse(b.metadata.creationTimestamp)) : '-',
  ]);
  return table(['NAME', 'NODE', 'OWNER', 'PHASE', 'TIER', 'EXPIRES', 'AGE'], rows);
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ');
  return [line(headers), ...rows.map(line)].join('\n');
}

function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

/** kubectl's compact age: 42s, 5m, 3h, 12d. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

interface EventItem {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
}

async function describe(ctx: Context, name: string): Promise<void> {
  const b = await getSealBinding(ctx.rest, name);
  if (!b) throw new UserError(`sealbinding/${name} not found`);
  const selector = `involvedObject.kind=${SEALBINDING_KIND},involvedObject.name=${name}`;
  const events = await ctx.rest
    .request<{ items?: EventItem[] }>('GET', '/api/v1/namespaces/default/events', { query: { fieldSelector: selector } })
    .then((list) => list.items ?? [])
    .catch(() => [] as EventItem[]);
  if (ctx.json) {
    process.stdout.write(`${JSON.stringify({ binding: b, events })}\n`);
    return;
  }
  process.stdout.write(`${describeText(b, events, Date.now())}\n`);
}

/** The text of `binding describe` (exported for tests). */
export function describeText(b: SealBinding, events: readonly EventItem[], now: number): string {
  const s = b.status ?? {};
  const lines = [
    `Name:          ${b.metadata.name}`,
    `Node:          ${b.spec.nodeName}`,
    `Owner:         ${b.spec.owner}`,
    `Stake record:  ${b.spec.stakeRecord}`,
    `Seal token:    ${b.spec.sealToken ?? '-'}`,
    `Phase:         ${s.phase ?? 'Pending'}`,
    `Tier:          ${s.tier || '-'}`,
    `Stake (MIST):  ${s.stakeAmount ?? '-'}`,
    `Expires epoch: ${s.expiresEpoch ?? '-'}`,
    `Last verified: ${s.lastVerified ?? '-'}`,
  ];
  if (b.spec.drainPolicy) lines.push(`Drain policy:  ${JSON.stringify(b.spec.drainPolicy)}`);
  if (s.revokedAt) lines.push(`Revoked at:    ${s.revokedAt}`);
  const conditions: Condition[] = s.conditions ?? [];
  lines.push('Conditions:');
  lines.push(conditions.length === 0 ? '  <none>' : indent(table(['TYPE', 'STATUS', 'REASON', 'MESSAGE'], conditions.map((c) => [c.type, c.status, c.reason, c.message]))));
  lines.push('Events:');
  const sorted = [...events].sort((x, y) => (x.lastTimestamp ?? '').localeCompare(y.lastTimestamp ?? ''));
  lines.push(
    sorted.length === 0
      ? '  <none>'
      : indent(table(['TYPE', 'REASON', 'AGE', 'MESSAGE'], sorted.map((e) => [e.type ?? '', e.reason ?? '', e.lastTimestamp ? age(now - Date.parse(e.lastTimestamp)) : '-', `${e.message ?? ''}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}`]))),
  );
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
