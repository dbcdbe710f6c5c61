/**
 * charts/daas-auth rendered by the real helm (issue 10, "Must show"): `helm lint --strict` and the
 * helm-unittest suites for every values file in ci/, schema refusals naming the path, and the two places
 * where the chart must agree with the code — the ValidatingWebhookConfiguration (src/admission/manifest.ts
 * is the one generator; the chart's template must render the same webhooks) and serve's configuration
 * (every rendered config.json is accepted by src/config's loader) — and a third: kube-apiserver's
 * AuthorizationConfiguration is the one the test bed and the local stack run (hack/lib/components.ts).
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { load as loadYaml } from 'js-yaml';
import { basename, join } from 'node:path';
import { validatingWebhookConfiguration, type WebhookEndpoint } from '../../src/admission/manifest.ts';
import { DEFAULT_ADMISSION_CONFIG, type FailurePolicy } from '../../src/config/admission.ts';
import { parseLabelExemption } from '../../src/policy/exemptions.ts';
import { loadConfig } from '../../src/config/load.ts';
import { run } from '../../hack/lib/run.ts';
import { authorizationConfiguration } from '../../hack/lib/components.ts';
import { e2eEnv } from './harness/index.ts';
import { CHART_DIR, chartTools, findObject, helm, parseDocuments, renderChart, type K8sObject } from './harness/helm.ts';

const CI_DIR = join(CHART_DIR, 'ci');
const ciFiles = readdirSync(CI_DIR).filter((f) => f.endsWith('.yaml')).sort();

let home: string;
beforeAll(async () => {
  home = join(e2eEnv().runDir, 'helm-render');
  mkdirSync(home, { recursive: true });
  await chartTools();
});

test('there are CI values files, and each has its helm-unittest suite', () => {
  expect(ciFiles.length).toBeGreaterThanOrEqual(4);
  const suites = readdirSync(join(CHART_DIR, 'tests'));
  for (const f of ciFiles) expect(suites).toContain(`ci-${basename(f, '-values.yaml')}_test.yaml`);
});

test.each(ciFiles)('helm lint --strict with ci/%s', async (file) => {
  const r = await helm(['lint', '--strict', CHART_DIR, '-f', join(CI_DIR, file)], { home });
  expect(r.stderr + r.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  expect(r.code).toBe(0);
});

test('helm-unittest: every suite passes', async () => {
  const { helmUnittest } = await chartTools();
  const r = await run(helmUnittest, ['--color=false', CHART_DIR], { env: { ...process.env, HOME: home } });
  const out = r.stdout + r.stderr;
  if (r.code !== 0) throw new Error(out);
  // One line per suite file; all of them ran.
  const suites = readdirSync(join(CHART_DIR, 'tests')).filter((f) => f.endsWith('_test.yaml'));
  expect(out).toMatch(new RegExp(`Test Suites: ${suites.length} passed, ${suites.length} total`));
  expect(out).toMatch(/Tests:\s+\d+ passed, \d+ total/);
  expect(out).not.toMatch(/FAIL/);
});

test.each([
  ['webhook.mode=pod', "at '/webhook/mode': value must be one of"],
  ['webhook.replica=3', "at '/webhook': additional properties 'replica' not allowed"],
  ['network.packageId=0x12', "at '/network/packageId'"],
  ['apiserver.tokenCacheTTL=soon', "at '/apiserver/tokenCacheTTL'"],
  ['stakingKey=suiprivkey1abc', "additional properties 'stakingKey' not allowed"],
  ['apiserver.authorization.kubeConfigFile=authz.kubeconfig', "at '/apiserver/authorization/kubeConfigFile'"],
])('helm refuses --set %s, naming the path', async (set, message) => {
  const r = await helm(['template', 'x', CHART_DIR, '-f', join(CI_DIR, 'default-values.yaml'), '--set', set], { home });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain(message);
});

interface WebhookValues {
  admission: { enabled: boolean; failurePolicy: Record<'sealBindings' | 'nodes', FailurePolicy>; timeoutSeconds: number; exemptNodeLabels: string[] };
}

function chartWebhookEndpoint(vwc: K8sObject): WebhookEndpoint {
  const cc = (vwc.webhooks as { clientConfig: { url?: string; service?: { namespace: string; name: string; port: number } } }[])[0]!.clientConfig;
  if (cc.url) return { url: cc.url.replace(/\/admission\/.*$/, '') };
  const { namespace, name, port } = cc.service!;
  return { service: { namespace, name, port } };
}

test.each(ciFiles)('the chart\'s ValidatingWebhookConfiguration is what src/admission/manifest.ts generates (ci/%s)', async (file) => {
  const objects = await renderChart([join(CI_DIR, file)], [], { home });
  const values = loadYaml(readFileSync(join(CI_DIR, file), 'utf8')) as Partial<WebhookValues>;
  const vwc = findObject(objects, 'ValidatingWebhookConfiguration');
  const webhooks = vwc.webhooks as { clientConfig: { caBundle?: string } }[];
  const caBundle = webhooks[0]!.clientConfig.caBundle;
  const expected = validatingWebhookConfiguration({
    name: vwc.metadata.name,
    endpoint: chartWebhookEndpoint(vwc),
    caBundlePem: caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : '',
    config: {
      ...DEFAULT_ADMISSION_CONFIG,
      ...values.admission,
      exemptNodeLabels: (values.admission?.exemptNodeLabels ?? ['node-role.kubernetes.io/control-plane']).map(parseLabelExemption),
    },
  });
  // cert-manager injects the CA later: the chart leaves caBundle out rather than rendering an empty one.
  if (!caBundle) for (const w of expected.webhooks) delete (w.clientConfig as { caBundle?: string }).caBundle;
  expect(vwc.webhooks).toEqual(expected.webhooks);
  expect(vwc.apiVersion).toBe(expected.apiVersion);
});

test.each(ciFiles.filter((f) => f !== 'cert-manager-values.yaml'))('the chart\'s AuthorizationConfiguration is the test bed\'s (ci/%s)', async (file) => {
  const objects = await renderChart([join(CI_DIR, file)], [], { home });
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'daas-auth-apiserver-authn');
  const data = (secret?.data ?? {}) as Record<string, string>;
  const config = loadYaml(Buffer.from(data['authorization-config.yaml'] ?? '', 'base64').toString('utf8'));
  expect(config).toEqual(authorizationConfiguration('/etc/kubernetes/daas-auth-authz-webhook.kubeconfig'));
  const server = Buffer.from(data['authz-kubeconfig'] ?? '', 'base64').toString('utf8').match(/server: (\S+)/)?.[1];
  expect(server).toBe(secret?.metadata.annotations?.['daas.io/authorize-server']);
  expect(server).toMatch(/^https:\/\/.+\/authorize$/);
});

test.each(ciFiles.flatMap((f) => [[f, 'webhook'], [f, 'controller']]))('serve accepts the rendered configuration (ci/%s, %s)', async (file, component) => {
  const objects = await renderChart([join(CI_DIR, file)], [], { home });
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `daas-auth-${component}`);
  if (!cm) {
    expect(file).toBe('url-values.yaml'); // only url mode runs no webhook pods
    expect(component).toBe('webhook');
    return;
  }
  const dir = join(home, 'config', basename(file, '.yaml'), component);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'config.json');
  writeFileSync(path, (cm.data as Record<string, string>)['config.json']!);
  const config = loadConfig({ file: path, env: {} });
  expect(config.controller.enabled).toBe(component === 'controller');
  expect(config.admission.enabled).toBe(component === 'webhook');
  expect(config.server.tlsCertFile).toBe(join(dir, '..', 'tls', 'tls.crt'));
  expect(config.network.packageId).toMatch(/^0x[0-9a-f]{64}$/);
});

test('the PrometheusRule is files/prometheus-rules.yaml as shipped, with only `for:` overridable by alert name', async () => {
  const shipped = loadYaml(readFileSync(join(CHART_DIR, 'files', 'prometheus-rules.yaml'), 'utf8')) as { groups: unknown[] };
  const forced = ['metrics.prometheusRule.enabled=true'];
  const rule = findObject(await renderChart([join(CI_DIR, 'default-values.yaml')], forced, { home }), 'PrometheusRule');
  expect((rule.spec as { groups: unknown[] }).groups).toEqual(shipped.groups);

  // The override logic, on a copy of the chart whose rule file holds two alerts and a recording rule.
  const copy = join(home, 'chart-copy');
  cpSync(CHART_DIR, copy, { recursive: true });
  const fixture = {
    groups: [
      {
        name: 'g',
        rules: [
          { alert: 'A', expr: 'up == 0', for: '2m', annotations: { summary: '{{ $labels.job }} is down' } },
          { alert: 'B', expr: 'up == 1', for: '5m' },
          { record: 'r', expr: 'sum(up)' },
        ],
      },
    ],
  };
  writeFileSync(join(copy, 'files', 'prometheus-rules.yaml'), JSON.stringify(fixture));
  const r = await helm(['template', 'daas-auth', copy, '-f', join(CI_DIR, 'default-values.yaml'), '--set', forced[0]!, '--set', 'metrics.prometheusRule.for.A=7m'], { home });
  if (r.code !== 0) throw new Error(r.stderr);
  const rendered = findObject(parseDocuments(r.stdout), 'PrometheusRule').spec as typeof fixture;
  const expected = structuredClone(fixture);
  expected.groups[0]!.rules[0]!.for = '7m';
  expect(rendered.groups).toEqual(expected.groups);
});
