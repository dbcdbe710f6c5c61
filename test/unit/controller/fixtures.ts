/** Shared builders for controller unit tests: a binding, a stake record and a seal token that agree. */
import type { SealBinding, SealBindingSpec, SealBindingStatus } from '../../../src/k8s/sealbinding.ts';
import type { SealTokenView, StakeRecordView } from '../../../src/chain/objects.ts';

export const OWNER = `0x${'a'.repeat(64)}`;
export const OTHER = `0x${'b'.repeat(64)}`;
export const RECORD = `0x${'1'.repeat(64)}`;
export const TOKEN = `0x${'2'.repeat(64)}`;
export const POOL = `0x${'3'.repeat(64)}`;
export const SUI = 1_000_000_000n;

export function record(overrides: Partial<StakeRecordView> = {}): StakeRecordView {
  return {
    id: RECORD,
    poolId: POOL,
    staker: OWNER,
    nodeId: 'worker-1',
    amount: 3n * SUI,
    kind: 'node',
    status: 'active',
    stakedEpoch: 1n,
    unlockEpoch: 8n,
    slashedAmount: 0n,
    version: '1',
    ...overrides,
  };
}

export function token(overrides: Partial<SealTokenView> = {}): SealTokenView {
  return {
    id: TOKEN,
    objectOwner: OWNER,
    stakeRecord: RECORD,
    owner: OWNER,
    nodeId: 'worker-1',
    permissions: ['nodes:write', 'pods:write'],
    issuedEpoch: 1n,
    expiresEpoch: 101n,
    version: '1',
    ...overrides,
  };
}

export function spec(overrides: Partial<SealBindingSpec> = {}): SealBindingSpec {
  return { nodeName: 'worker-1', owner: OWNER, stakeRecord: RECORD, ...overrides };
}

export function binding(overrides: { spec?: Partial<SealBindingSpec>; status?: SealBindingStatus; generation?: number; name?: string } = {}): SealBinding {
  return {
    apiVersion: 'daas.io/v1alpha1',
    kind: 'SealBinding',
    metadata: { name: overrides.name ?? 'worker-1', generation: overrides.generation ?? 1, uid: 'uid-1', resourceVersion: '10' },
    spec: spec(overrides.spec),
    ...(overrides.status ? { status: overrides.status } : {}),
  };
}
