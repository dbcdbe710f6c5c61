import { age, bindingManifest, bindingTable, describeText, explain } from '../../../src/cli/commands/binding.ts';
import { UserError } from '../../../src/cli/errors.ts';
import { KubeApiError } from '../../../src/k8s/rest.ts';
import { OWNER, RECORD, TOKEN, binding } from '../controller/fixtures.ts';

describe('binding CLI', () => {
  test('create builds a SealBinding named after the node, ids normalised to lowercase', () => {
    const b = bindingManifest({ node: 'worker-1', stakeRecord: RECORD.toUpperCase().replace('0X', '0x'), sealToken: TOKEN, owner: OWNER });
    expect(b).toEqual({ apiVersion: 'daas.io/v1alpha1', kind: 'SealBinding', metadata: { name: 'worker-1' }, spec: { nodeName: 'worker-1', owner: OWNER, stakeRecord: RECORD, sealToken: TOKEN } });
  });

  test.each([
    [{ node: 'Worker_1' }, '--node'],
    [{ stakeRecord: '0x12' }, '--stake-record'],
    [{ sealToken: 'abc' }, '--seal-token'],
    [{ name: 'UPPER' }, '--name'],
  ])('refuses bad input %j before contacting anything', (bad, flag) => {
    expect(() => bindingManifest({ node: 'worker-1', stakeRecord: RECORD, owner: OWNER, ...bad })).toThrow(new RegExp(flag));
  });

  test('list table', () => {
    const now = Date.parse('2030-01-01T01:00:00Z');
    const b = binding({ status: { phase: 'Active', tier: 'developer', expiresEpoch: '105' } });
    b.metadata.creationTimestamp = '2030-01-01T00:00:00Z';
    const text = bindingTable([b, binding({ name: 'other', spec: { nodeName: 'worker-2' } })], now);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+NODE\s+OWNER\s+PHASE\s+TIER\s+EXPIRES\s+AGE$/);
    expect(lines[1]).toMatch(/^worker-1\s+worker-1\s+0xaaaaaa…aaaa\s+Active\s+developer\s+105\s+60m$/);
    expect(lines[2]).toMatch(/^other\s+worker-2\s+0xaaaaaa…aaaa\s+Pending\s+-\s+-\s+-$/);
  });

  test('describe shows conditions and events in time order, with counts', () => {
    const b = binding({
      status: {
        phase: 'Slashed',
        conditions: [{ type: 'DrainBlocked', status: 'True', reason: 'PodDisruptionBudget', message: 'eviction of pod app/db-0 blocked by PodDisruptionBudget app/db', lastTransitionTime: '2030-01-01T00:00:00Z' }],
      },
    });
    const text = describeText(b, [
      { type: 'Warning', reason: 'Cordoned', message: 'node cordoned', lastTimestamp: '2030-01-01T00:00:02Z' },
      { type: 'Warning', reason: 'Slashed', message: 'slashed', lastTimestamp: '2030-01-01T00:00:01Z', count: 2 },
    ], Date.parse('2030-01-01T00:00:10Z'));
    expect(text).toContain('Phase:         Slashed');
    expect(text).toMatch(/DrainBlocked\s+True\s+PodDisruptionBudget\s+eviction of pod app\/db-0 blocked by PodDisruptionBudget app\/db/);
    expect(text.indexOf('Slashed   ')).toBeLessThan(text.indexOf('Cordoned'));
    expect(text).toContain('slashed (x2)');
  });

  test('age is compact like kubectl', () => {
    expect([age(5_000), age(300_000), age(3 * 3600_000), age(5 * 86400_000)]).toEqual(['5s', '5m', '3h', '5d']);
  });

  test("the admission webhook's refusal becomes one line", () => {
    const denied = new KubeApiError('POST', '/apis/daas.io/v1alpha1/sealbindings', 400, {
      message: 'admission webhook "sealbindings.admission.daas.io" denied the request: stake record 0x1 was slashed',
    });
    const e = explain(denied);
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toBe('admission webhook "sealbindings.admission.daas.io" denied the request: stake record 0x1 was slashed');
    expect((explain(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })) as UserError).exitCode).toBe(2);
    expect((explain(new KubeApiError('GET', '/', 401, undefined)) as Error).message).toMatch(/credentials/);
  });
});
