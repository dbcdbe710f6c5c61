import { Registry } from 'prom-client';
/**
 * Issue 9, items 1–3 and 7 at the admission layer: exempt and running nodes cannot be claimed, a
 * staker acts only for itself (anyone else needs the bind-any-owner grant), a staker's drain policy is
 * capped, the rightful binding can be renewed next to a duplicate, lookups come from the informer
 * cache, and each client address is rate-limited.
 */
import { createApp } from '../../../src/server/app.ts';
import type { AddressInfo } from 'node:net';
import { ADMISSION_BODY_LIMITS, createAdmissionRouter } from '../../../src/admission/router.ts';
import { parseAdmissionReview, type AdmissionRequest } from '../../../src/k8s/admissionreview.ts';
import { drainPolicyViolation, stakerAddress, validateSealBinding, type SealBindingValidatorDeps } from '../../../src/admission/sealbinding.ts';
import { DEFAULT_DRAIN_POLICY_LIMITS } from '../../../src/config/admission.ts';
import { activeBindingsForNode, bindingsForNode } from '../../../src/admission/lookup.ts';
import { bindAnyOwnerReview } from '../../../src/admission/grant.ts';
import { ClientBuckets } from '../../../src/server/rate-limit.ts';
import { BindingIndex } from '../../../src/feeds/bindings.ts';
import type { SealBinding } from '../../../src/k8s/sealbinding.ts';
import { review } from './fixtures.ts';
import { OTHER, OWNER, RECORD, TOKEN, binding, record, token } from '../controller/fixtures.ts';

const FRESH = `0x${'7'.repeat(64)}`;

function request(operation: 'CREATE' | 'UPDATE', object: SealBinding, username: string, oldObject?: SealBinding): AdmissionRequest {
  return parseAdmissionReview(review({ operation, userInfo: { username, groups: ['system:authenticated'] }, object, ...(oldObject ? { oldObject } : {}) })).request;
}

function deps(overrides: Partial<SealBindingValidatorDeps> = {}): SealBindingValidatorDeps & { grantAsked: string[] } {
  const grantAsked: string[] = [];
  return {
    chain: {
      getStakeRecords: async (ids) => new Map([...ids].map((id) => [id, id === RECORD ? record() : null] as const)),
      getSealTokens: async (ids) => new Map([...ids].map((id) => [id, id === TOKEN ? token() : id === FRESH ? token({ id: FRESH }) : null] as const)),
      getEpoch: async () => 5n,
    },
    bindingsForNode: async () => [],
    getNode: async () => null,
    mayBindAnyOwner: async (user) => (grantAsked.push(user.username ?? ''), user.username === 'operator'),
    exemptions: { exemptNodeNames: ['cp-*'], exemptNodeLabels: [{ key: 'node-role.kubernetes.io/control-plane' }] },
    drainLimits: DEFAULT_DRAIN_POLICY_LIMITS,
    grantAsked,
    ...overrides,
  };
}

const asOwner = `sui:${OWNER}`;

describe('node identity hijack (item 1)', () => {
  test('a binding naming an exempt node name is refused, whoever asks', async () => {
    for (const who of [asOwner, 'operator']) {
      const d = await validateSealBinding(request('CREATE', binding({ spec: { nodeName: 'cp-1' } }), who), deps());
      expect(d).toMatchObject({ allowed: false, code: 403, message: expect.stringContaining('node cp-1 is exempt') });
    }
  });

  test('an existing Node with an exempt label is refused', async () => {
    const node = { metadata: { name: 'worker-1', labels: { 'node-role.kubernetes.io/control-plane': '' } } };
    const d = await validateSealBinding(request('CREATE', binding(), asOwner), deps({ getNode: async () => node }));
    expect(d).toMatchObject({ allowed: false, message: expect.stringContaining('is exempt') });
  });

  test('an existing Node not bound to this owner and stake is refused; a new node name is fine', async () => {
    const node = { metadata: { name: 'worker-1' } };
    const running = await validateSealBinding(request('CREATE', binding(), asOwner), deps({ getNode: async () => node }));
    expect(running).toMatchObject({ allowed: false, message: expect.stringContaining('node worker-1 already exists and is not bound to') });
    const boundToOther = deps({ getNode: async () => node, bindingsForNode: async () => [binding({ name: 'old', spec: { owner: OTHER } })] });
    expect(await validateSealBinding(request('CREATE', binding(), asOwner), boundToOther)).toMatchObject({ allowed: false, message: expect.stringContaining('already exists') });
    expect(await validateSealBinding(request('CREATE', binding(), asOwner), deps())).toEqual({ allowed: true });
  });

  test('a Node lookup failure refuses as retryable', async () => {
    const d = await validateSealBinding(request('CREATE', binding(), asOwner), deps({ getNode: async () => { throw new Error('apiserver down'); } }));
    expect(d).toMatchObject({ allowed: false, code: 503 });
  });
});

describe('who may create a binding (item 2)', () => {
  test('a staker creates its own binding without the grant', async () => {
    const d = deps();
    expect(await validateSealBinding(request('CREATE', binding(), asOwner), d)).toEqual({ allowed: true });
    expect(d.grantAsked).toEqual([]);
  });

  test("a staker cannot create or renew another owner's binding", async () => {
    const d = deps();
    const made = await validateSealBinding(request('CREATE', binding(), `sui:${OTHER}`), d);
    expect(made).toMatchObject({ allowed: false, code: 403, message: `sui:${OTHER} may create or change only SealBindings it owns (spec.owner ${OWNER} is another address)` });
    const old = binding({ spec: { sealToken: TOKEN } });
    const renewed = await validateSealBinding(request('UPDATE', binding({ spec: { sealToken: FRESH } }), `sui:${OTHER}`, old), d);
    expect(renewed).toMatchObject({ allowed: false, code: 403 });
    expect(d.grantAsked).toEqual([`sui:${OTHER}`, `sui:${OTHER}`]);
  });

  test('a non-staker needs the bind-any-owner grant', async () => {
    expect(await validateSealBinding(request('CREATE', binding(), 'operator'), deps())).toEqual({ allowed: true });
    expect(await validateSealBinding(request('CREATE', binding(), 'mallory'), deps())).toMatchObject({
      allowed: false,
      message: expect.stringContaining('lacks the operator permission (verb bind-any-owner on sealbindings.daas.io)'),
    });
    const broken = deps({ mayBindAnyOwner: async () => { throw new Error('timeout'); } });
    expect(await validateSealBinding(request('CREATE', binding(), 'operator'), broken)).toMatchObject({ allowed: false, code: 503 });
  });

  test('only a canonical sui:<address> is a staker', () => {
    expect(stakerAddress({ username: asOwner })).toBe(OWNER);
    expect(stakerAddress({ username: `sui:${OWNER.toUpperCase()}` })).toBeUndefined();
    expect(stakerAddress({ username: `system:sui:${OWNER}` })).toBeUndefined();
    expect(stakerAddress({})).toBeUndefined();
  });

  test('the grant is a SubjectAccessReview of verb bind-any-owner on sealbindings.daas.io for the requester', () => {
    expect(bindAnyOwnerReview({ username: 'alice', uid: 'u1', groups: ['ops'] }, 'worker-1')).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: 'alice', uid: 'u1', groups: ['ops'], resourceAttributes: { group: 'daas.io', resource: 'sealbindings', verb: 'bind-any-owner', name: 'worker-1' } },
    });
  });

  test("a staker's drain policy is capped; an operator's is not", async () => {
    const greedy = binding({ spec: { drainPolicy: { deadlineSeconds: 0, forceAfterDeadline: true } } });
    expect(await validateSealBinding(request('CREATE', greedy, asOwner), deps())).toMatchObject({ allowed: false, message: expect.stringContaining('deadlineSeconds 0 is below') });
    expect(await validateSealBinding(request('CREATE', greedy, 'operator'), deps())).toEqual({ allowed: true });
    const old = binding();
    const edited = await validateSealBinding(request('UPDATE', binding({ spec: { drainPolicy: { forceAfterDeadline: true } } }), asOwner, old), deps());
    expect(edited).toMatchObject({ allowed: false, message: expect.stringContaining('forceAfterDeadline is not allowed') });
    // An unchanged policy (set by an operator) does not block the owner's other edits.
    const renew = await validateSealBinding(request('UPDATE', binding({ spec: { sealToken: TOKEN, drainPolicy: greedy.spec.drainPolicy! } }), asOwner, greedy), deps());
    expect(renew).toEqual({ allowed: true });
  });

  test('drainPolicyViolation checks each limit', () => {
    const limits = { minGracePeriodSeconds: 10, minDeadlineSeconds: 60, allowForce: false };
    expect(drainPolicyViolation(undefined, limits)).toBeUndefined();
    expect(drainPolicyViolation({ gracePeriodSeconds: 5 }, limits)).toContain('gracePeriodSeconds 5');
    expect(drainPolicyViolation({ deadlineSeconds: 59 }, limits)).toContain('deadlineSeconds 59');
    expect(drainPolicyViolation({ forceAfterDeadline: true }, limits)).toContain('forceAfterDeadline');
    expect(drainPolicyViolation({ forceAfterDeadline: true, deadlineSeconds: 60, gracePeriodSeconds: 10 }, { ...limits, allowForce: true })).toBeUndefined();
    expect(drainPolicyViolation(undefined, { ...limits, minDeadlineSeconds: 7200 })).toContain('deadlineSeconds 3600');
  });
});

describe('duplicate bindings (item 3)', () => {
  const first = { ...binding({ name: 'first', spec: { sealToken: TOKEN }, status: { phase: 'Active' } }) };
  first.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  const second = binding({ name: 'second', spec: { sealToken: TOKEN }, status: { phase: 'Invalid' } });
  second.metadata.creationTimestamp = '2026-01-01T00:00:01Z';
  const both = deps({ bindingsForNode: async () => [second, first] });

  test('the rightful (oldest) binding is renewed although a duplicate exists', async () => {
    const renewed = await validateSealBinding(request('UPDATE', { ...first, spec: { ...first.spec, sealToken: FRESH } }, asOwner, first), both);
    expect(renewed).toEqual({ allowed: true });
  });

  test('the duplicate cannot be renewed, naming the holder', async () => {
    const d = await validateSealBinding(request('UPDATE', { ...second, spec: { ...second.spec, sealToken: FRESH } }, asOwner, second), both);
    expect(d).toMatchObject({ allowed: false, code: 409, message: 'node worker-1 is held by SealBinding first; second is a duplicate and cannot be renewed' });
  });

  test('the authn index answers the rightful binding, ignoring the Invalid duplicate', () => {
    const index = new BindingIndex();
    index.upsert(second);
    index.upsert(first);
    expect(index.forNode('worker-1')?.metadata.name).toBe('first');
    expect(index.allForNode('worker-1').map((b) => b.metadata.name).sort()).toEqual(['first', 'second']);
  });
});

describe('lookups from the informer cache (item 7)', () => {
  function informerLike(list: SealBinding[], stale?: 'failing') {
    const index = new BindingIndex();
    for (const b of list) index.upsert(b);
    index.markSynced();
    return {
      index: { allForNode: (n: string) => (stale ? undefined : index.allForNode(n)), onChange: index.onChange.bind(index), synced: () => true, staleness: () => stale },
      upsert: (b: SealBinding) => index.upsert(b),
    };
  }

  test('answers from the cache and never LISTs while an informer runs', async () => {
    let lists = 0;
    const { index } = informerLike([binding()]);
    const lookup = bindingsForNode({ index, listForNode: async () => (lists++, []) });
    expect((await lookup('worker-1')).map((b) => b.metadata.name)).toEqual(['worker-1']);
    expect(await lookup('worker-9')).toEqual([]);
    expect(lists).toBe(0);
  });

  test('a stale cache throws (the validators refuse as retryable)', async () => {
    const { index } = informerLike([binding()], 'failing');
    await expect(bindingsForNode({ index, listForNode: async () => [] })('worker-1')).rejects.toThrow('may be out of date (failing)');
  });

  test('without an informer the live LIST is the fallback', async () => {
    const lookup = bindingsForNode({ index: new BindingIndex(), listForNode: async () => [binding(), binding({ name: 'x', spec: { nodeName: 'other' } })] });
    expect((await lookup('worker-1')).map((b) => b.metadata.name)).toEqual(['worker-1']);
  });

  test('a Node CREATE miss waits for the Active binding to arrive', async () => {
    const cache = informerLike([binding({ status: { phase: 'Pending' } })]);
    const lookup = activeBindingsForNode({ index: cache.index, listForNode: async () => [] }, 5_000);
    const pending = lookup('worker-1');
    setImmediate(() => cache.upsert(binding({ status: { phase: 'Active' } })));
    expect((await pending)[0]?.status?.phase).toBe('Active');
    const missing = await activeBindingsForNode({ index: cache.index, listForNode: async () => [] }, 10)('worker-2');
    expect(missing).toEqual([]);
  });
});

test('the router answers 429 with Retry-After, without validating, once a client is over its budget', async () => {
  const limiter = new ClientBuckets({ perSecond: 1, burst: 2 });
  let validated = 0;
  const app = createApp({
    routers: [createAdmissionRouter({
      validateSealBinding: async () => (validated++, { allowed: true }),
      validateNode: async () => ({ allowed: true }),
      rateLimit: (client) => limiter.take(client, 0),
    })],
    bodyLimits: ADMISSION_BODY_LIMITS,
    metrics: new Registry(),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admission/sealbindings`;
    const post = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(review({ object: binding() })) });
    const answers = [await post(), await post(), await post()];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[2]?.headers.get('retry-after')).toBe('1');
    expect(validated).toBe(2);
  } finally {
    server.close();
  }
});
