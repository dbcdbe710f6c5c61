import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { DNS1123_SUBDOMAIN_PATTERN, SUI_ID_PATTERN, isDns1123Subdomain, isSuiId } from '../../../src/policy/formats.ts';
import { SEALBINDING_GROUP, SEALBINDING_PHASES, SEALBINDING_PLURAL, SEALBINDING_VERSION, bindingAuthorizesNode, type SealBinding } from '../../../src/k8s/sealbinding.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const crd = load(readFileSync(new URL('../../../crds/sealbinding.yaml', import.meta.url), 'utf8')) as any;
const version = crd.spec.versions[0];
const schema = version.schema.openAPIV3Schema;
const spec = schema.properties.spec.properties;

describe('crds/sealbinding.yaml', () => {
  test('names, scope, short name and the status subresource', () => {
    expect(crd.metadata.name).toBe(`${SEALBINDING_PLURAL}.${SEALBINDING_GROUP}`);
    expect(crd.spec.scope).toBe('Cluster');
    expect(crd.spec.names.shortNames).toEqual(['sb']);
    expect(version.name).toBe(SEALBINDING_VERSION);
    expect(version.subresources).toEqual({ status: {} });
  });

  test('printer columns NODE OWNER PHASE TIER EXPIRES AGE', () => {
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name.toUpperCase())).toEqual(['NODE', 'OWNER', 'PHASE', 'TIER', 'EXPIRES', 'AGE']);
  });

  test('phases enum matches the TypeScript type', () => {
    expect(schema.properties.status.properties.phase.enum).toEqual([...SEALBINDING_PHASES]);
  });

  test('CEL: formats use the same patterns as the code; nodeName, owner, stakeRecord immutable; sealToken mutable', () => {
    const rules = (field: string): string[] => spec[field]['x-kubernetes-validations'].map((v: { rule: string }) => v.rule);
    // The CEL string literal escapes its backslashes once more than the regex itself.
    expect(rules('nodeName')[0]).toBe(`self.matches('${DNS1123_SUBDOMAIN_PATTERN.replaceAll('\\', '\\\\')}')`);
    for (const field of ['owner', 'stakeRecord', 'sealToken']) expect(rules(field)[0]).toBe(`self.matches('${SUI_ID_PATTERN}')`);
    for (const field of ['nodeName', 'owner', 'stakeRecord']) expect(rules(field)).toContain('self == oldSelf');
    expect(rules('sealToken')).not.toContain('self == oldSelf');
    expect(schema.properties.spec.required).toEqual(['nodeName', 'owner', 'stakeRecord']);
  });
});

describe('shared format checks', () => {
  test.each([
    ['worker-1', true],
    ['a.b-c.d', true],
    ['Worker', false],
    ['-a', false],
    ['a-', false],
    ['a..b', false],
    ['', false],
    ['a'.repeat(253), true],
    ['a'.repeat(254), false],
  ])('DNS-1123 %s → %s', (name, ok) => {
    expect(isDns1123Subdomain(name)).toBe(ok);
  });

  test.each([
    [`0x${'a'.repeat(64)}`, true],
    [`0x${'A'.repeat(64)}`, false],
    [`0x${'a'.repeat(63)}`, false],
    [`${'a'.repeat(64)}`, false],
    [42, false],
  ])('Sui id %s → %s', (id, ok) => {
    expect(isSuiId(id)).toBe(ok);
  });
});

describe('bindingAuthorizesNode', () => {
  const owner = `0x${'a'.repeat(64)}`;
  const rec = `0x${'1'.repeat(64)}`;
  const base: SealBinding = {
    apiVersion: 'daas.io/v1alpha1',
    kind: 'SealBinding',
    metadata: { name: 'n1', generation: 2 },
    spec: { nodeName: 'n1', owner, stakeRecord: rec },
    status: { phase: 'Active', observedGeneration: 2 },
  };
  const claim = { node: 'n1', owner, stakeRecord: rec };

  test('Active, current, matching → yes', () => expect(bindingAuthorizesNode(base, claim)).toBe(true));
  test.each([
    ['not Active', { ...base, status: { phase: 'Slashed' as const, observedGeneration: 2 } }],
    ['status behind the spec', { ...base, status: { phase: 'Active' as const, observedGeneration: 1 } }],
    ['being deleted', { ...base, metadata: { ...base.metadata, deletionTimestamp: '2030-01-01T00:00:00Z' } }],
    ['no status', { ...base, status: undefined }],
  ])('%s → no', (_name, b) => expect(bindingAuthorizesNode(b as SealBinding, claim)).toBe(false));
  test.each([{ node: 'n2' }, { owner: `0x${'b'.repeat(64)}` }, { stakeRecord: `0x${'2'.repeat(64)}` }])('another %j → no', (other) => {
    expect(bindingAuthorizesNode(base, { ...claim, ...other })).toBe(false);
  });
});
