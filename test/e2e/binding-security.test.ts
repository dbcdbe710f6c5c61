/**
 * Issue 9, items 1–3 and 7 through the real apiserver, admission webhook, controller and sui-sim:
 * - a binding cannot claim an exempt (control-plane) node or a Node that is already running; a binding
 *   whose node later turns out to be control-plane is Invalid, is never acted on, and yields no node identity;
 * - a staker binds only for itself; anyone else needs the bind-any-owner grant; a staker's drainPolicy is capped;
 * - racing creates for one node: the first binding keeps working and can be renewed, the duplicate cannot;
 * - the admission endpoints rate-limit each client address.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { createSealBinding } from '../../src/k8s/api.ts';
import { KubeApiError, KubeRest } from '../../src/k8s/rest.ts';
import type { SealBinding, SealBindingSpec } from '../../src/k8s/sealbinding.ts';
import { createKwokNode, e2eEnv, kubectl, tokenKubeConfig, uniqueName, waitFor } from './harness/index.ts';
import { bearer, daasEnv, staker, whoami, type Staker } from './authn-support.ts';
import { binding, bindingObject, closeKube, condition, createBinding, nodeState, slash, waitForPhase } from './binding-support.ts';

const CONTROL_PLANE = { 'node-role.kubernetes.io/control-plane': '' };

interface StakerClient extends Staker {
  /** A node stake of this staker for `node`. */
  nodeRecord: string;
  /** The staker's own API client (bearer seal token: `sui:<address>`). */
  rest: KubeRest;
}

const clients: KubeRest[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await closeKube();
});

/** A staker with a user stake (to authenticate as sui:<addr>) and a node stake for `node`. */
async function stakerFor(node: string): Promise<StakerClient> {
  const s = await staker(0.5);
  const { recordId } = await s.writer.stake({ mist: 2n * MIST_PER_SUI, kind: 'node', nodeId: node });
  const rest = await KubeRest.fromKubeConfig(tokenKubeConfig(await bearer(s.key, s.tokenId)));
  clients.push(rest);
  return { ...s, nodeRecord: recordId, rest };
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (error instanceof KubeApiError) return { status: error.status, message: error.body?.message ?? '' };
  throw new Error(`expected the apiserver to refuse, got ${String(error)}`);
}

const patchBinding = (rest: KubeRest, name: string, body: object) =>
  rest.request<SealBinding>('PATCH', `/apis/daas.io/v1alpha1/sealbindings/${name}`, { body, contentType: 'application/merge-patch+json' });

/** kubectl as an impersonated user (the admin may impersonate): its exit code and stderr. */
const kubectlAs = (user: string, group: string, args: string[], input?: string) => kubectl([...args, `--as=${user}`, `--as-group=${group}`], input ? { input } : {});

describe('node identity hijack (item 1)', () => {
  test('a binding for an exempt control-plane node or a running node is refused, for stakers and operators alike', async () => {
    const cp = uniqueName('cp');
    await createKwokNode(cp, { labels: CONTROL_PLANE });
    const attacker = await stakerFor(cp);
    const spec = { nodeName: cp, owner: attacker.address, stakeRecord: attacker.nodeRecord };
    const own = await refusal(createSealBinding(attacker.rest, bindingObject(cp, spec)));
    expect(own).toEqual({ status: 403, message: expect.stringContaining(`node ${cp} is exempt (control-plane)`) });
    const byAdmin = await refusal(createBinding(cp, spec));
    expect(byAdmin.message).toContain('is exempt');

    const running = uniqueName('running');
    await createKwokNode(running);
    const other = await stakerFor(running);
    const taken = await refusal(createSealBinding(other.rest, bindingObject(running, { nodeName: running, owner: other.address, stakeRecord: other.nodeRecord })));
    expect(taken.message).toContain(`node ${running} already exists and is not bound to ${other.address}`);
    attacker.writer.close();
    other.writer.close();
  });

  test('a binding whose node joins as control-plane is Invalid, never cordoned after a slash, and no node identity', async () => {
    const late = uniqueName('late-cp');
    const s = await stakerFor(late);
    const { tokenId } = await s.writer.createSealToken(s.nodeRecord);
    await createSealBinding(s.rest, bindingObject(late, { nodeName: late, owner: s.address, stakeRecord: s.nodeRecord, sealToken: tokenId }));
    await waitForPhase(late, 'Active');
    await createKwokNode(late, { labels: CONTROL_PLANE }); // the node webhook's objectSelector leaves control-plane nodes out
    const invalid = await waitForPhase(late, 'Invalid');
    expect(condition(invalid, 'Verified')?.reason).toBe('ExemptNode');
    expect(await whoami(await bearer(s.key, tokenId, { node: late }))).toMatchObject({ error: expect.any(String) });

    // A sentinel slashed after it: once the controller cordoned the sentinel, it has seen the first slash too.
    const sentinel = uniqueName('sentinel');
    const watcher = await stakerFor(sentinel);
    await createSealBinding(watcher.rest, bindingObject(sentinel, { nodeName: sentinel, owner: watcher.address, stakeRecord: watcher.nodeRecord }));
    await waitForPhase(sentinel, 'Active');
    await createKwokNode(sentinel, { bound: true });
    await slash(s.nodeRecord);
    await slash(watcher.nodeRecord);
    await waitFor('sentinel cordoned', async () => (await nodeState(sentinel)).unschedulable);
    expect(await nodeState(late)).toEqual({ unschedulable: false, taints: [] });
    expect((await binding(late))?.status?.phase).toBe('Invalid');
    s.writer.close();
    watcher.writer.close();
  });
});

describe('who may create a binding (item 2)', () => {
  test("a staker binds only for itself, within the drain limits; others need bind-any-owner", async () => {
    const node = uniqueName('owned');
    const owner = await stakerFor(node);
    const intruder = await stakerFor(uniqueName('elsewhere'));
    const spec: SealBindingSpec = { nodeName: node, owner: owner.address, stakeRecord: owner.nodeRecord };

    const forOther = await refusal(createSealBinding(intruder.rest, bindingObject(node, spec)));
    expect(forOther).toEqual({ status: 403, message: expect.stringContaining(`sui:${intruder.address} may create or change only SealBindings it owns`) });
    const noGrant = await kubectlAs('ops-bob', 'daas:stakers', ['create', '-f', '-'], JSON.stringify(bindingObject(node, spec)));
    expect(noGrant.code).not.toBe(0);
    expect(noGrant.stderr).toContain('lacks the operator permission (verb bind-any-owner on sealbindings.daas.io)');
    const greedy = await refusal(createSealBinding(owner.rest, bindingObject(node, { ...spec, drainPolicy: { deadlineSeconds: 0, forceAfterDeadline: true } })));
    expect(greedy.message).toContain("spec.drainPolicy.deadlineSeconds 0 is below the operator's limit");

    await createSealBinding(owner.rest, bindingObject(node, spec));
    await waitForPhase(node, 'Active');
    const force = { spec: { drainPolicy: { forceAfterDeadline: true } } };
    expect((await refusal(patchBinding(owner.rest, node, force))).message).toContain('forceAfterDeadline is not allowed');
    expect((await refusal(patchBinding(intruder.rest, node, { metadata: { labels: { mine: 'yes' } } }))).status).toBe(403);
    const operator = await kubectlAs('ops-bob', 'daas:binding-operators', ['patch', 'sealbinding', node, '--type=merge', '-p', JSON.stringify(force)]);
    expect(operator).toMatchObject({ code: 0 });
    expect((await binding(node))?.spec.drainPolicy).toEqual({ forceAfterDeadline: true });
    owner.writer.close();
    intruder.writer.close();
  });
});

describe('duplicate bindings (item 3)', () => {
  /** Two stakers create bindings for one node at the same moment until both are admitted (a race). */
  async function racedPair(): Promise<{ node: string; pair: Array<{ s: StakerClient; name: string; tokenId: string }> }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const node = uniqueName('race');
      const pair = await Promise.all(['a', 'b'].map(async (suffix) => {
        const s = await stakerFor(node);
        return { s, name: `${node}-${suffix}`, tokenId: (await s.writer.createSealToken(s.nodeRecord)).tokenId };
      }));
      const made = await Promise.allSettled(pair.map(({ s, name, tokenId }) =>
        createSealBinding(s.rest, bindingObject(name, { nodeName: node, owner: s.address, stakeRecord: s.nodeRecord, sealToken: tokenId }))));
      if (made.every((m) => m.status === 'fulfilled')) return { node, pair };
    }
    throw new Error('five racing pairs were never both admitted');
  }

  test('the first binding keeps its kubelet and can be renewed; the Invalid duplicate is ignored and cannot be', async () => {
    const { node, pair } = await racedPair();
    const phases = await waitFor('one Active, one Invalid', async () => {
      const got = await Promise.all(pair.map(async (p) => (await binding(p.name))?.status?.phase));
      return got.includes('Active') && got.includes('Invalid') ? got : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    const first = pair[phases.indexOf('Active')]!;
    const dup = pair[phases.indexOf('Invalid')]!;
    expect(condition(await binding(dup.name), 'Verified')?.reason).toBe('DuplicateNode');

    const kubelet = await whoami(await bearer(first.s.key, first.tokenId, { node }));
    expect(kubelet).toMatchObject({ username: `system:node:${node}` });
    expect(await whoami(await bearer(dup.s.key, dup.tokenId, { node }))).toMatchObject({ error: expect.any(String) });

    const renewed = (await first.s.writer.createSealToken(first.s.nodeRecord)).tokenId;
    const after = await patchBinding(first.s.rest, first.name, { spec: { sealToken: renewed } });
    expect(after.spec.sealToken).toBe(renewed);
    const refused = await refusal(patchBinding(dup.s.rest, dup.name, { spec: { sealToken: (await dup.s.writer.createSealToken(dup.s.nodeRecord)).tokenId } }));
    expect(refused).toEqual({ status: 409, message: expect.stringContaining(`node ${node} is held by SealBinding ${first.name}`) });
    for (const p of pair) p.s.writer.close();
  });
});

describe('admission rate limit (item 7)', () => {
  test('one client address past its burst gets 429 with Retry-After; the apiserver (another address) is unaffected', async () => {
    const { webhook } = e2eEnv().cluster;
    // 127.0.0.2: its own bucket, so the apiserver's reviews from 127.0.0.1 keep theirs.
    const agent = new Agent({ ca: readFileSync(webhook.caFile), cert: readFileSync(webhook.clientCertFile), key: readFileSync(webhook.clientKeyFile), localAddress: '127.0.0.2', keepAlive: true, maxSockets: 8 });
    const post = () => new Promise<{ status: number; retryAfter?: string }>((resolve, reject) => {
      const req = request(`${daasEnv().url}/admission/sealbindings`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}) }));
      });
      req.on('error', reject);
      req.end('{}');
    });
    try {
      const answers = await Promise.all(Array.from({ length: 250 }, post));
      const limited = answers.filter((a) => a.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(limited[0]?.retryAfter).toMatch(/^[1-9]\d*$/);
      expect(answers.filter((a) => a.status !== 429).every((a) => a.status === 400)).toBe(true);
    } finally {
      agent.destroy();
    }
    // The apiserver's own reviews still pass: a binding create is still decided by the webhook.
    const node = uniqueName('after-limit');
    const s = await stakerFor(node);
    await createSealBinding(s.rest, bindingObject(node, { nodeName: node, owner: s.address, stakeRecord: s.nodeRecord }));
    await waitForPhase(node, 'Active');
    s.writer.close();
  });
});
