// kms.* (issue 13): the chart's EncryptionConfiguration is the one the test bed gives kube-apiserver
// (hack/lib/kms.ts), and the plugin container's arguments are flags `daas-auth kms` has.
import { Command } from 'commander';
import { load as loadYaml } from 'js-yaml';
import { encryptionConfiguration } from '../../../hack/lib/kms.ts';
import { register } from '../../../src/cli/commands/kms.ts';
import { findObject } from '../../e2e/harness/helm.ts';
import { CHART_TOOLS_TIMEOUT_MS, ensureHelm, render } from './render.ts';

beforeAll(ensureHelm, CHART_TOOLS_TIMEOUT_MS);

const FILE = ['kms.enabled=true', 'kms.file.existingSecret=keyring'];

test('the rendered EncryptionConfiguration is hack/lib/kms.ts encryptionConfiguration()', async () => {
  const set = [...FILE, 'kms.socketDir=/run/kms', 'kms.providerName=prod', 'kms.timeout=5s'];
  const cm = findObject(await render(set), 'ConfigMap', 'daas-auth-kms-encryption-config');
  const rendered = loadYaml((cm.data as Record<string, string>)['encryption-config.yaml']!);
  expect(rendered).toEqual(encryptionConfiguration({ providerName: 'prod', socket: '/run/kms/kms.sock', timeout: '5s' }));
});

test('the plugin container runs `daas-auth kms` with flags the command has', async () => {
  const ds = findObject(await render(FILE), 'DaemonSet', 'daas-auth-kms');
  const container = (ds.spec as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0]!;
  const [command, ...args] = container.args;
  expect(command).toBe('kms');
  const program = new Command();
  register(program);
  const kms = program.commands.find((c) => c.name() === 'kms')!;
  const known = kms.options.map((o) => o.long);
  const flags = args.filter((a) => a.startsWith('--'));
  expect(flags).toEqual(['--socket', '--kek-file', '--metrics-port', '--metrics-host']);
  for (const flag of flags) expect(known).toContain(flag);
});

test('nothing of it by default', async () => {
  const objects = await render([]);
  expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'kms')).toEqual([]);
});
