import { Registry } from 'prom-client';
import { createApp } from '../../../src/server/app.ts';
import type { AddressInfo } from 'node:net';
import { parseAdmissionReview, AdmissionReviewError } from '../../../src/k8s/admissionreview.ts';
import { validateSealBinding, type SealBindingValidatorDeps } from '../../../src/admission/sealbinding.ts';
import { validateNodeCreate } from '../../../src/admission/node.ts';
import { isExemptNode } from '../../../src/policy/exemptions.ts';
import { DEFAULT_ADMISSION_CONFIG, DEFAULT_DRAIN_POLICY_LIMITS } from '../../../src/config/admission.ts';
import { ADMISSION_BODY_LIMITS, createAdmissionRouter, ADMISSION_PATHS } from '../../../src/admission/router.ts';
import { validatingWebhookConfiguration } from '../../../src/admission/manifest.ts';
import type { SealBinding } from '../../../src/k8s/sealbinding.ts';
import type { SealTokenView, StakeRecordView } from '../../../src/chain/objects.ts';
import { review } from './fixtures.ts';
import { OTHER, RECORD, TOKEN, binding, record, token } from '../controller/fixtures.ts';

function chain(records: Record<string, StakeRecordView | null>, tokens: Record<string, SealTokenView | null> = {}, epoch = 5n) {
  return {
    getStakeRecords: async (ids: readonly string[]) => new Map(ids.map((id) => [id, records[id] ?? null] as const)),
    getSealTokens: async (ids: readonly string[]) => new Map(ids.map((id) => [id, tokens[id] ?? null] as const)),
    getEpoch: async () => epoch,
  };
}

function deps(overrides: Partial<SealBindingValidatorDeps> = {}): SealBindingValidatorDeps {
  // The default requester ('alice') holds the operator grant; binding-rules.test.ts covers who may ask.
  return {
    chain: chain({ [RECORD]: record() }, { [TOKEN]: token() }),
    bindingsForNode: async () => [],
    getNode: async () => null,
    mayBindAnyOwner: async () => true,
    exemptions: { exemptNodeNames: [], exemptNodeLabels: [] },
    drainLimits: DEFAULT_DRAIN_POLICY_LIMITS,
    ...overrides,
  };
}

const create = (b: SealBinding) => parseAdmissionReview(review({ object: b })).request;

describe('parseAdmissionReview', () => {
  test('accepts a v1 review', () => {
    expect(parseAdmissionReview(review({})).request).toMatchObject({ uid: 'req-1', operation: 'CREATE' });
  });
  test.each([
    ['not an object', 'x'],
    ['v1beta1', { ...review({}), apiVersion: 'admission.k8s.io/v1beta1' }],
    ['wrong kind', { ...review({}), kind: 'TokenReview' }],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }],
    ['no uid', review({ uid: undefined as unknown as string })],
    ['empty uid', review({ uid: '' })],
    ['odd operation', review({ operation: 'PATCH' as never })],
    ['kind not an object', review({ kind: 'x' as never })],
  ])('refuses %s', (_name, body) => {
    expect(() => parseAdmissionReview(body)).toThrow(AdmissionReviewError);
  });
});

describe('SealBinding validation', () => {
  test('a binding for an active node stake of its owner is allowed', async () => {
    expect(await validateSealBinding(create(binding()), deps())).toEqual({ allowed: true });
    expect(await validateSealBinding(create(binding({ spec: { sealToken: TOKEN } })), deps())).toEqual({ allowed: true });
  });

  test.each([
    ['missing stake record', chain({}), 'does not exist'],
    ['slashed stake', chain({ [RECORD]: record({ status: 'slashed' }) }), 'slashed'],
    ['unbonding stake', chain({ [RECORD]: record({ status: 'unbonding' }) }), 'unstaking'],
    ['another owner', chain({ [RECORD]: record({ staker: OTHER }) }), `belongs to ${OTHER}`],
    ['a user stake', chain({ [RECORD]: record({ kind: 'user' }) }), 'not a node stake'],
    ['another node', chain({ [RECORD]: record({ nodeId: 'worker-9' }) }), 'backs node "worker-9"'],
  ])('%s is refused with a clear message', async (_name, c, text) => {
    const decision = await validateSealBinding(create(binding()), deps({ chain: c }));
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(decision.message).toContain(text);
  });

  test('a missing or expired seal token is refused', async () => {
    const missing = await validateSealBinding(create(binding({ spec: { sealToken: TOKEN } })), deps({ chain: chain({ [RECORD]: record() }) }));
    expect(missing).toMatchObject({ allowed: false, message: expect.stringContaining('does not exist') });
    const expired = await validateSealBinding(create(binding({ spec: { sealToken: TOKEN } })), deps({ chain: chain({ [RECORD]: record() }, { [TOKEN]: token() }, 101n) }));
    expect(expired).toMatchObject({ allowed: false, message: expect.stringContaining('expired') });
  });

  test('a second binding for the node is refused naming the first', async () => {
    const d = await validateSealBinding(create(binding({ name: 'second' })), deps({ bindingsForNode: async () => [binding({ name: 'first' })] }));
    expect(d).toMatchObject({ allowed: false, code: 409, message: expect.stringContaining('already bound by SealBinding first') });
  });

  test('malformed spec is refused before any lookup', async () => {
    const lookups: string[] = [];
    const d = await validateSealBinding(create(binding({ spec: { owner: 'alice' } })), deps({ bindingsForNode: async (n) => (lookups.push(n), []) }));
    expect(d).toMatchObject({ allowed: false, code: 422 });
    expect(lookups).toEqual([]);
  });

  test('chain unavailable: refused as retryable (fail closed)', async () => {
    const broken = { ...chain({}), getStakeRecords: async () => { throw new Error('connect ECONNREFUSED'); } };
    expect(await validateSealBinding(create(binding()), deps({ chain: broken }))).toMatchObject({ allowed: false, code: 503 });
  });

  test('update: immutable fields refused, unchanged stake allowed without the chain, new seal token verified', async () => {
    const noChain = deps({ chain: { ...chain({}), getStakeRecords: async () => { throw new Error('down'); } } });
    const old = binding({ spec: { sealToken: TOKEN } });
    const update = (next: SealBinding) => parseAdmissionReview(review({ operation: 'UPDATE', object: next, oldObject: old })).request;
    expect(await validateSealBinding(update(binding({ spec: { sealToken: TOKEN, drainPolicy: { forceAfterDeadline: true } } })), noChain)).toEqual({ allowed: true });
    expect(await validateSealBinding(update(binding({ spec: { sealToken: TOKEN, owner: OTHER } })), noChain)).toMatchObject({ allowed: false, message: 'spec.owner is immutable' });
    const fresh = `0x${'7'.repeat(64)}`;
    const withFresh = deps({ chain: chain({ [RECORD]: record() }, { [fresh]: token({ id: fresh }) }), bindingsForNode: async () => [old] });
    expect(await validateSealBinding(update(binding({ spec: { sealToken: fresh } })), withFresh)).toEqual({ allowed: true });
    const bogus = await validateSealBinding(update(binding({ spec: { sealToken: `0x${'8'.repeat(64)}` } })), withFresh);
    expect(bogus.allowed).toBe(false);
  });

  test('DELETE is not this webhook’s business', async () => {
    expect(await validateSealBinding(parseAdmissionReview(review({ operation: 'DELETE' })).request, deps())).toEqual({ allowed: true });
  });
});

describe('Node validation', () => {
  const nodeReview = (name: string, labels?: Record<string, string>, operation = 'CREATE') =>
    parseAdmissionReview(review({ operation: operation as never, kind: { group: '', version: 'v1', kind: 'Node' }, resource: { group: '', version: 'v1', resource: 'nodes' }, object: { metadata: { name, labels } } })).request;
  const active = binding({ status: { phase: 'Active' } });
  const config = { exemptNodeNames: ['cp-*', 'bastion'], exemptNodeLabels: [{ key: 'node-role.kubernetes.io/control-plane' }, { key: 'pool', value: 'infra' }] };

  test('a node with an Active binding is admitted', async () => {
    expect(await validateNodeCreate(nodeReview('worker-1'), { config, bindingsForNode: async () => [active] })).toEqual({ allowed: true });
  });
  test('a node without a binding is refused with the fix', async () => {
    const d = await validateNodeCreate(nodeReview('worker-1'), { config, bindingsForNode: async () => [] });
    expect(d).toMatchObject({ allowed: false, message: expect.stringContaining('daas-auth binding create --node worker-1') });
  });
  test('a node whose binding is not Active is refused naming the phase', async () => {
    const d = await validateNodeCreate(nodeReview('worker-1'), { config, bindingsForNode: async () => [binding({ status: { phase: 'Slashed' } })] });
    expect(d).toMatchObject({ allowed: false, message: expect.stringContaining('is Slashed') });
  });
  test.each([
    ['cp-1', {}],
    ['bastion', {}],
    ['x', { 'node-role.kubernetes.io/control-plane': '' }],
    ['x', { pool: 'infra' }],
  ])('exempt %s %j is admitted without a lookup', async (name, labels) => {
    expect(await validateNodeCreate(nodeReview(name, labels), { config, bindingsForNode: async () => { throw new Error('no lookup expected'); } })).toEqual({ allowed: true });
  });
  test('a label with another value is not exempt; lookup failure refuses (fail closed)', async () => {
    const d = await validateNodeCreate(nodeReview('x', { pool: 'gpu' }), { config, bindingsForNode: async () => { throw new Error('apiserver down'); } });
    expect(d).toMatchObject({ allowed: false, code: 503 });
  });
  test('node updates are not checked', async () => {
    expect(await validateNodeCreate(nodeReview('worker-1', {}, 'UPDATE'), { config, bindingsForNode: async () => [] })).toEqual({ allowed: true });
  });
});

describe('config', () => {
  test('defaults exempt control-plane nodes and fail closed', () => {
    expect(isExemptNode(DEFAULT_ADMISSION_CONFIG, 'm', { 'node-role.kubernetes.io/control-plane': '' })).toBe(true);
    expect(isExemptNode(DEFAULT_ADMISSION_CONFIG, 'm', {})).toBe(false);
    expect(DEFAULT_ADMISSION_CONFIG.failurePolicy).toEqual({ sealBindings: 'Fail', nodes: 'Fail' });
  });
});

describe('router', () => {
  async function withServer(run: (base: string) => Promise<void>, validateSealBinding = async () => ({ allowed: true as const })) {
    // As serve mounts it: the host reads the body up to the admission limit.
    const app = createApp({
      routers: [createAdmissionRouter({
        validateSealBinding,
        validateNode: async () => ({ allowed: false, message: 'no binding', code: 403, reason: 'Forbidden' }),
      })],
      bodyLimits: ADMISSION_BODY_LIMITS,
      metrics: new Registry(),
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      server.close();
    }
  }
  const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('answers AdmissionReviews with the request uid', async () => {
    await withServer(async (base) => {
      const ok = await (await post(base + ADMISSION_PATHS.sealBindings, review({ object: binding() }))).json();
      expect(ok).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'req-1', allowed: true } });
      const no = (await (await post(base + ADMISSION_PATHS.nodes, review({}))).json()) as { response: unknown };
      expect(no.response).toEqual({ uid: 'req-1', allowed: false, status: { code: 403, reason: 'Forbidden', message: 'no binding' } });
    });
  });
  test('a malformed review is a 400', async () => {
    await withServer(async (base) => {
      expect((await post(base + ADMISSION_PATHS.nodes, { hello: 1 })).status).toBe(400);
    });
  });
  test('a validator that throws refuses (fail closed)', async () => {
    await withServer(async (base) => {
      const body = (await (await post(base + ADMISSION_PATHS.sealBindings, review({ object: binding() }))).json()) as { response: unknown };
      expect(body.response).toMatchObject({ allowed: false, status: { code: 500 } });
    }, async () => { throw new Error('boom'); });
  });
});

describe('ValidatingWebhookConfiguration', () => {
  test('two webhooks, v1 reviews, fail closed, control-plane nodes outside the node webhook', () => {
    const m = validatingWebhookConfiguration({ endpoint: { url: 'https://127.0.0.1:8443/' }, caBundlePem: 'PEM' });
    expect(m.webhooks.map((w) => w.name)).toEqual(['sealbindings.admission.daas.io', 'nodes.admission.daas.io']);
    expect(m.webhooks[0]?.clientConfig).toEqual({ url: 'https://127.0.0.1:8443/admission/sealbindings', caBundle: Buffer.from('PEM').toString('base64') });
    expect(m.webhooks.every((w) => w.failurePolicy === 'Fail' && w.sideEffects === 'None' && w.admissionReviewVersions.join() === 'v1')).toBe(true);
    expect(m.webhooks[1]?.objectSelector).toEqual({ matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] });
  });
  test('service endpoint and configured failure policy', () => {
    const m = validatingWebhookConfiguration({
      endpoint: { service: { namespace: 'daas', name: 'daas-auth', port: 443 } },
      caBundlePem: 'PEM',
      config: { ...DEFAULT_ADMISSION_CONFIG, failurePolicy: { sealBindings: 'Ignore', nodes: 'Fail' } },
    });
    expect(m.webhooks[0]?.clientConfig).toMatchObject({ service: { namespace: 'daas', name: 'daas-auth', port: 443, path: '/admission/sealbindings' } });
    expect(m.webhooks[0]?.failurePolicy).toBe('Ignore');
  });
});
