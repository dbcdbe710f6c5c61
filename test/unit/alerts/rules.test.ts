// charts/daas-auth/files/prometheus-rules.yaml, the bytes the chart ships: promtool accepts it, every alert
// fires in its promtool scenario and stays silent in a negative one (prometheus-rules.test.yaml), each alert
// is documented (summary, description, a runbook_url whose anchor docs/runbooks.md has) with exactly one
// `for:` for the chart to override, and every daas_auth_* metric an alert reads is one the code exports.
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { Registry } from 'prom-client';
import { prometheusBinaries } from '../../../hack/lib/debs.ts';
import { createAdmissionMetrics } from '../../../src/admission/metrics.ts';
import { createControllerMetrics } from '../../../src/controller/metrics.ts';
import { registry as processRegistry } from '../../../src/metrics/index.ts';
// Each room's metrics on the process registry (src/<room>/metrics.ts): loading them registers them.
import '../../../src/authn/metrics.ts';
import '../../../src/authz/metrics.ts';
import '../../../src/chain/metrics.ts';
import '../../../src/kms/metrics.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const RULES = join(ROOT, 'charts/daas-auth/files/prometheus-rules.yaml');
const TESTS = join(dirname(fileURLToPath(import.meta.url)), 'prometheus-rules.test.yaml');
const RUNBOOKS = join(ROOT, 'docs/runbooks.md');
const RUNBOOK_BASE = 'https://github.com/daas-auth/daas-auth/blob/main/docs/runbooks.md#';
/** Exported by src/enclave/metrics.ts (enclave mode). */
const ATTESTATION_MODULE = join(ROOT, 'src/enclave/metrics.ts');

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (load(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r): r is Rule & { alert: string } => r.alert !== undefined);

const run = promisify(execFile);

describe('prometheus-rules.yaml', () => {
  test('promtool check rules, then promtool test rules: every scenario as expected', async () => {
    const { promtool } = await prometheusBinaries();
    await run(promtool, ['check', 'rules', RULES]);
    const out = await run(promtool, ['test', 'rules', TESTS]).catch((e: { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    });
    expect(out.stdout).toContain('SUCCESS');
  });

  test('every alert has a firing scenario and a silent one in the promtool tests', () => {
    const doc = load(readFileSync(TESTS, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };
    const cases = doc.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: mine.some((c) => c.exp_alerts.length > 0), silent: mine.some((c) => c.exp_alerts.length === 0) }).toEqual({
        alert,
        fires: true,
        silent: true,
      });
    }
  });

  test('alerts are unique, documented, have one for: and a severity, and link to their runbook section', () => {
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
    expect(alerts.length).toBeGreaterThanOrEqual(12);
    const runbooks = readFileSync(RUNBOOKS, 'utf8');
    const anchors = new Set([...runbooks.matchAll(/^## (\S+)$/gm)].map((m) => m[1]!.toLowerCase()));
    for (const a of alerts) {
      expect(a.alert).toMatch(/^DaasAuth[A-Za-z]+$/);
      expect(a.for).toMatch(/^\d+[smh]$/);
      expect(['info', 'warning', 'critical']).toContain(a.labels?.severity);
      expect(Object.keys(a.annotations ?? {}).sort()).toEqual(['description', 'runbook_url', 'summary']);
      expect(a.annotations?.runbook_url).toBe(`${RUNBOOK_BASE}${a.alert.toLowerCase()}`);
      expect({ alert: a.alert, documented: anchors.has(a.alert.toLowerCase()) }).toEqual({ alert: a.alert, documented: true });
    }
  });

  test('every daas_auth_* metric an alert reads is exported by the code', async () => {
    const registry = new Registry();
    createControllerMetrics(registry);
    createAdmissionMetrics(registry);
    const pending = new Set<string>();
    if (existsSync(ATTESTATION_MODULE)) await import(ATTESTATION_MODULE);
    else pending.add('daas_auth_attestation_age_seconds');
    const exported = new Set(
      [...(await registry.getMetricsAsJSON()), ...(await processRegistry.getMetricsAsJSON())].flatMap((m) =>
        String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
      ),
    );
    const used = new Set(alerts.flatMap((a) => [...a.expr.matchAll(/\bdaas_auth_[a-z0-9_]+/g)].map((m) => m[0])));
    expect(used.size).toBeGreaterThan(5);
    const missing = [...used].filter((name) => !exported.has(name) && !pending.has(name));
    expect(missing).toEqual([]);
  });
});
