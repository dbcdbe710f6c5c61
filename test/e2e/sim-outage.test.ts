/**
 * sui-sim down for five minutes, through the real parts (issue 14, "Must show"): the controller inside
 * `daas-auth serve` takes no action on stale data — no Active binding changes phase, no node is cordoned,
 * tainted or drained — and reports the outage: `daas_auth_controller_chain_reachable 0` on serve's /metrics,
 * a `ChainUnavailable` Event and the Verified condition Unknown (reason ChainUnavailable) on the bindings.
 * The sim comes back on the same ports from the same `--state` (state.db), the bindings are Verified again,
 * and a slash made after its return is acted on (Slashed, cordoned, tainted).
 *
 * A private bed whose sui-sim this file can stop and restart (the run's shared sim must stay up for
 * every other file).
 */
import { join } from 'node:path';
import { freePorts, releasePorts } from '../../hack/lib/ports.ts';
import { get } from '../../hack/lib/probe.ts';
import { startSim, type SimHandle } from '../../src/sim/index.ts';
import { createKwokNode, e2eEnv, waitFor } from './harness/index.ts';
import { activeBinding } from './harness/active-binding.ts';
import { startPrivateBed, type PrivateBed } from './harness/private-bed.ts';
import { startSimStep, type SetupStep } from './harness/setup-steps.ts';
import { daasEnv } from './authn-support.ts';
import {
  binding,
  closeKube,
  condition,
  eventReasons,
  hasRevokedTaint,
  nodeState,
  slash,
  waitForCondition,
  waitForPhase,
} from './binding-support.ts';

/** Issue 14: "sui-sim down for 5 minutes". */
const OUTAGE_MS = 300_000;

let bed: PrivateBed | undefined;
let sim: SimHandle | undefined;
let simOptions: { stateDir: string; port: number; adminPort: number } | undefined;

// The sim is started on ports drawn below the ephemeral range (hack/lib/ports.ts), so no outgoing
// connection can take them while it is down and it comes back where serve and the tests look for it.
const startOutageSim = async () => {
  sim = await startSim({ ...simOptions!, quiet: true });
  return sim;
};

const restartableSimStep: SetupStep = {
  name: startSimStep.name,
  run: async (ctx) => {
    const [port, adminPort] = (await freePorts(2)) as [number, number];
    simOptions = { stateDir: join(ctx.runDir, 'sim'), port, adminPort };
    const started = await startOutageSim();
    ctx.cleanups.push({
      what: 'stop sui-sim',
      run: async () => {
        await sim?.stop();
        releasePorts([port, adminPort]);
      },
    });
    ctx.env.sim = { rpcUrl: started.rpcUrl, adminUrl: started.adminUrl, stateDir: simOptions.stateDir, network: started.network };
  },
};

beforeAll(async () => {
  bed = await startPrivateBed('sim-outage', { replace: restartableSimStep });
});

afterAll(async () => {
  await closeKube();
  await bed?.stop();
});

const serveGet = (path: string) => get(`${daasEnv().url}${path}`, { ca: e2eEnv().cluster.webhook.caFile });
const chainReachable = async () => /^daas_auth_controller_chain_reachable (\d)$/m.exec((await serveGet('/metrics')).body)?.[1];

/** What the controller did to a binding and its node, as far as stale data could make it act. */
async function observed(node: string): Promise<string> {
  const [b, n] = await Promise.all([binding(node), nodeState(node)]);
  return `${b?.status?.phase} unschedulable=${n.unschedulable} tainted=${hasRevokedTaint(n)} drained=${condition(b, 'Drained')?.status ?? '-'}`;
}

test('five minutes without the chain: no action on stale data, the outage reported, and a slash after the return acted on', async () => {
  const steady = [await activeBinding('steady'), await activeBinding('steady-token', undefined, { sealToken: true })];
  const victim = await activeBinding('victim');
  for (const { node } of [...steady, victim]) await createKwokNode(node, { bound: true });
  const nodes = [...steady, victim].map((b) => b.node);
  const healthy = 'Active unschedulable=false tainted=false drained=-';
  for (const node of nodes) expect(await observed(node)).toBe(healthy);
  await waitFor('the controller to report the chain reachable', async () => (await chainReachable()) === '1');
  const packageId = e2eEnv().sim.network.packageId;

  await sim!.stop();
  const downAt = Date.now();

  // Reported: the metric, /readyz, the condition and an Event on every binding.
  await waitFor('daas_auth_controller_chain_reachable 0', async () => (await chainReachable()) === '0', { timeoutMs: 30_000 });
  await waitFor('/readyz to say not ready', async () => (await serveGet('/readyz')).status === 503, { timeoutMs: 30_000 });
  for (const node of nodes) {
    // The controller meets the outage at its next read of each binding: the periodic resync (60 s) at the latest.
    const unknown = await waitFor(`${node} Verified=Unknown`, async () => {
      const b = await binding(node);
      return condition(b, 'Verified')?.status === 'Unknown' ? b : undefined;
    }, { timeoutMs: 150_000, intervalMs: 1000 });
    expect(condition(unknown, 'Verified')).toMatchObject({ reason: 'ChainUnavailable', message: expect.stringMatching(/could not be read/) });
    expect(condition(unknown, 'Ready')).toMatchObject({ status: 'True' });
    await waitFor(`${node}: a ChainUnavailable Event`, async () => (await eventReasons('SealBinding', node)).includes('ChainUnavailable'));
  }

  // No action on stale data, checked for as long as the chain stays down (at least five minutes).
  const seen = new Map<string, number>();
  let checks = 0;
  while (Date.now() - downAt < OUTAGE_MS) {
    for (const node of nodes) {
      const state = await observed(node);
      seen.set(state, (seen.get(state) ?? 0) + 1);
    }
    checks++;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const downMs = Date.now() - downAt;
  expect(downMs).toBeGreaterThanOrEqual(OUTAGE_MS);
  expect(checks).toBeGreaterThan(10);
  expect([...seen.keys()]).toEqual([healthy]);
  expect((await chainReachable())).toBe('0');

  // Back on the same ports, from the same state.
  const back = await startOutageSim();
  expect(back.rpcUrl).toBe(e2eEnv().sim.rpcUrl);
  expect(back.network.packageId).toBe(packageId);
  process.stderr.write(`[sim-outage] the sim was down ${(downMs / 1000).toFixed(0)} s; ${checks} checks of ${nodes.length} bindings saw only "${healthy}"\n`);
  await waitFor('daas_auth_controller_chain_reachable 1', async () => (await chainReachable()) === '1', { timeoutMs: 30_000 });
  for (const node of nodes) await waitForCondition(node, 'Verified', 'True', 150_000);

  // Resumed: a slash after the return is acted on.
  await slash(victim.staker.recordId);
  const slashed = await waitForPhase(victim.node, 'Slashed', 60_000);
  expect(condition(slashed, 'Ready')).toMatchObject({ status: 'False', reason: 'StakeSlashed' });
  await waitFor(`${victim.node} cordoned and tainted`, async () => {
    const s = await nodeState(victim.node);
    return s.unschedulable && hasRevokedTaint(s);
  });
  for (const { node } of steady) expect(await observed(node)).toBe(healthy);
  for (const b of [...steady, victim]) b.staker.writer.close();
}, 15 * 60_000);
