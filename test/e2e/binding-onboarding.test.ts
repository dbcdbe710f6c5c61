/**
 * Node onboarding through the real apiserver, admission webhook (daas-auth serve), controller and
 * sui-sim (issue 5, "Must show"): a binding for an active node stake becomes Active within 1 s and its
 * node can then join; a Node without a binding is refused; invalid and duplicate bindings are refused
 * with a clear message; the CLI creates, lists and describes bindings.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ApiException } from '@kubernetes/client-node';
import { KubeApiError } from '../../src/k8s/rest.ts';
import { createKwokNode, e2eEnv, uniqueName } from './harness/index.ts';
import {
  binding,
  closeKube,
  condition,
  createBinding,
  eventReasons,
  kube,
  slash,
  stakeNode,
  waitForPhase,
} from './binding-support.ts';

const run = promisify(execFile);

/** The apiserver's refusal, from our JSON client or from client-node's typed API (the harness's helpers). */
async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof KubeApiError) return { status: error.status, message: error.body?.message ?? '' };
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? (JSON.parse(error.body) as { message?: string }) : (error.body as { message?: string });
    return { status: error.code, message: body?.message ?? '' };
  }
  throw new Error(`expected the apiserver to refuse, got ${String(error)}`);
}

afterAll(closeKube);

describe('onboarding a node', () => {
  test('a binding for an active node stake becomes Active within 1 s, and then its node can join', async () => {
    const node = uniqueName('onboard');
    const staker = await stakeNode(node);
    await createBinding(node, { nodeName: node, owner: staker.address, stakeRecord: staker.recordId });
    const created = Date.now();
    const active = await waitForPhase(node, 'Active', 10_000);
    const elapsed = Date.now() - created;
    expect(elapsed).toBeLessThanOrEqual(1000); // the explicit bound
    expect(active.status).toMatchObject({ tier: 'developer', stakeAmount: String(2n * 1_000_000_000n), observedGeneration: 1 });
    expect(condition(active, 'Verified')?.status).toBe('True');
    expect(condition(active, 'Ready')?.status).toBe('True');

    const joined = await createKwokNode(node, { bound: true });
    expect(joined.metadata?.name).toBe(node);
    expect(await eventReasons('SealBinding', node)).toEqual(expect.arrayContaining(['Verified', 'Activated']));
    staker.writer.close();
  });

  test('a Node without a SealBinding is refused, naming the fix', async () => {
    const node = uniqueName('stranger');
    const rest = await kube();
    const { status, message } = await refusal(
      rest.request('POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: node, annotations: { 'kwok.x-k8s.io/node': 'fake' } } } }),
    );
    expect(status).toBe(403);
    expect(message).toContain('admission webhook "nodes.admission.daas.io" denied the request');
    expect(message).toContain(`node ${node} has no SealBinding`);
    expect(message).toContain(`daas-auth binding create --node ${node}`);
  });

  test('a Node whose binding is not Active is refused, naming the phase', async () => {
    const node = uniqueName('revoked');
    const staker = await stakeNode(node);
    await createBinding(node, { nodeName: node, owner: staker.address, stakeRecord: staker.recordId });
    await waitForPhase(node, 'Active');
    await slash(staker.recordId);
    await waitForPhase(node, 'Slashed');
    const { message } = await refusal(createKwokNode(node, { bound: true }));
    expect(message).toContain(`SealBinding ${node} is Slashed`);
    staker.writer.close();
  });

  test('invalid bindings are refused with a clear message', async () => {
    const node = uniqueName('invalid');
    const mine = await stakeNode(node);
    const other = await stakeNode(node);
    const userStake = await mine.writer.stake({ mist: 1_000_000_000n, kind: 'user' });
    const missing = `0x${'9'.repeat(64)}`;
    const cases: Array<[string, Record<string, string>, string]> = [
      ['malformed owner', { owner: '0xABC' }, 'owner must be a Sui address'],
      ['malformed node name', { nodeName: 'Not_A_Node' }, 'nodeName must be a DNS-1123 subdomain'],
      ["another staker's record", { stakeRecord: other.recordId }, `belongs to ${other.address}`],
      ['a user stake', { stakeRecord: userStake.recordId }, 'is a user stake, not a node stake'],
      ['a missing record', { stakeRecord: missing }, `stake record ${missing} does not exist`],
      ['a missing seal token', { sealToken: missing }, `seal token ${missing} does not exist`],
    ];
    for (const [what, override, text] of cases) {
      const { message } = await refusal(createBinding(uniqueName('bad'), { nodeName: node, owner: mine.address, stakeRecord: mine.recordId, ...override }));
      expect({ what, message }).toEqual({ what, message: expect.stringContaining(text) });
    }
    mine.writer.close();
    other.writer.close();
  });

  test('a second binding for the same node is refused, naming the first; bound fields are immutable', async () => {
    const node = uniqueName('dup');
    const staker = await stakeNode(node);
    const spec = { nodeName: node, owner: staker.address, stakeRecord: staker.recordId };
    await createBinding(node, spec);
    // Admission reads the informer cache (issue 9); once Active, the first binding is surely in it. A
    // duplicate made within the cache's lag is admitted and Invalid (binding-security.test.ts).
    await waitForPhase(node, 'Active');
    const { status, message } = await refusal(createBinding(`${node}-again`, spec));
    expect(status).toBe(409);
    expect(message).toContain(`node ${node} is already bound by SealBinding ${node}`);

    const rest = await kube();
    const immutable = await refusal(
      rest.request('PATCH', `/apis/daas.io/v1alpha1/sealbindings/${node}`, {
        body: { spec: { owner: `0x${'c'.repeat(64)}` } },
        contentType: 'application/merge-patch+json',
      }),
    );
    expect(immutable.message).toContain('owner is immutable');
    staker.writer.close();
  });

  test('CLI: binding create --wait, list and describe', async () => {
    const node = uniqueName('cli');
    const staker = await stakeNode(node);
    const cli = (args: string[]) =>
      run(process.execPath, ['bin/daas-auth.js', ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KUBECONFIG: e2eEnv().cluster.kubeconfig, DAAS_KEY: staker.key.getSecretKey() },
      });
    const created = await cli(['binding', 'create', '--node', node, '--stake-record', staker.recordId, '--wait', '10']);
    expect(created.stdout).toBe(`${node}\n`); // the name alone on stdout, like every create command
    expect(created.stderr).toContain(`sealbinding/${node} created (Active)`);
    expect((await binding(node))?.spec.owner).toBe(staker.address);
    const listed = await cli(['binding', 'list', '--owner', staker.address]);
    expect(listed.stdout).toMatch(new RegExp(`^${node}\\s+${node}\\s+\\S+\\s+Active\\s+developer`, 'm'));
    const described = await cli(['binding', 'describe', node]);
    expect(described.stdout).toContain('Phase:         Active');
    expect(described.stdout).toMatch(/Ready\s+True\s+StakeActive/);
    const refused = await cli(['binding', 'create', '--node', node, '--stake-record', staker.recordId]).catch((e: { stderr: string; code: number }) => e);
    expect(refused).toMatchObject({ code: 1, stderr: `daas-auth: sealbinding/${node} already exists: a node has one binding (see daas-auth binding describe ${node})\n` });
    staker.writer.close();
  });
});
