import { decideLease, LeaderElector, microTime, observe, type Lease, type LeaseClient } from '../../../src/k8s/leader.ts';

/** An in-memory Lease store with the apiserver's optimistic concurrency. */
function store() {
  let lease: Lease | null = null;
  let rv = 0;
  const conflict = () => Object.assign(new Error('Conflict'), { status: 409 });
  const client: LeaseClient & { current(): Lease | null; failing: boolean } = {
    failing: false,
    current: () => lease,
    async get() {
      if (client.failing) throw new Error('apiserver down');
      return lease ? structuredClone(lease) : null;
    },
    async create(l) {
      if (client.failing) throw new Error('apiserver down');
      if (lease) throw conflict();
      lease = { ...structuredClone(l), metadata: { ...l.metadata, resourceVersion: String(++rv) } };
      return structuredClone(lease);
    },
    async replace(l) {
      if (client.failing) throw new Error('apiserver down');
      if (!lease || l.metadata.resourceVersion !== lease.metadata.resourceVersion) throw conflict();
      lease = { ...structuredClone(l), metadata: { ...l.metadata, resourceVersion: String(++rv) } };
      return structuredClone(lease);
    },
  };
  return client;
}

const lease = (spec: Lease['spec']): Lease => ({ metadata: { name: 'l', namespace: 'ns', resourceVersion: '1' }, spec });

describe('decideLease', () => {
  test('no lease: create it, holding it', () => {
    const d = decideLease(null, 'me', observe(undefined, null, 0), 0, 15_000);
    expect(d).toMatchObject({ action: 'create', spec: { holderIdentity: 'me', leaseDurationSeconds: 15, leaseTransitions: 0 } });
  });
  test('held by another and seen renewed recently (own clock): wait', () => {
    const l = lease({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: microTime(0) });
    const seen = observe(undefined, l, 1000);
    expect(decideLease(l, 'me', seen, 15_999, 15_000)).toEqual({ action: 'wait', holder: 'other' });
    expect(decideLease(l, 'me', seen, 16_001, 15_000)).toMatchObject({ action: 'update', spec: { holderIdentity: 'me', leaseTransitions: 1 } });
  });
  test('the remote renewTime is never compared with the local clock', () => {
    const l = lease({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: microTime(-1e12) });
    expect(decideLease(l, 'me', observe(undefined, l, 5000), 5000, 15_000).action).toBe('wait');
  });
  test('a released lease (empty holder) is taken at once', () => {
    const l = lease({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(decideLease(l, 'me', observe(undefined, l, 0), 0, 15_000).action).toBe('update');
  });
  test('renewing our own lease keeps acquireTime and transitions', () => {
    const l = lease({ holderIdentity: 'me', acquireTime: 'A', leaseTransitions: 3, renewTime: 'R' });
    expect(decideLease(l, 'me', observe(undefined, l, 0), 0, 15_000)).toMatchObject({ action: 'update', spec: { acquireTime: 'A', leaseTransitions: 3 } });
  });
  test('microTime has six fractional digits', () => {
    expect(microTime(Date.UTC(2030, 0, 1, 0, 0, 0, 123))).toBe('2030-01-01T00:00:00.123000Z');
  });
});

describe('LeaderElector', () => {
  let clock = 0;
  const make = (client: LeaseClient, identity: string, log: string[]) =>
    new LeaderElector({
      client,
      namespace: 'ns',
      name: 'l',
      identity,
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 500,
      now: () => clock,
      onStartedLeading: () => log.push(`${identity} leads`),
      onStoppedLeading: () => log.push(`${identity} stops`),
    });

  test('only one of two candidates wins; the other takes over after the lease runs out', async () => {
    clock = 0;
    const s = store();
    const log: string[] = [];
    const a = make(s, 'a', log);
    const b = make(s, 'b', log);
    expect(await a.tryAcquireOrRenew()).toBe('held');
    expect(await b.tryAcquireOrRenew()).toBe('taken');
    clock = 2000;
    expect(await b.tryAcquireOrRenew()).toBe('taken');
    clock = 3001; // b first saw a's record at 0; a has not renewed since
    expect(await b.tryAcquireOrRenew()).toBe('held');
    expect(s.current()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(await a.tryAcquireOrRenew()).toBe('taken');
  });

  test('a stale write loses with 409 (optimistic concurrency)', async () => {
    clock = 0;
    const s = store();
    await s.create({ metadata: { name: 'l', namespace: 'ns' }, spec: { holderIdentity: '', leaseDurationSeconds: 1 } });
    const stale = (await s.get('ns', 'l'))!;
    await s.replace({ ...stale, spec: { holderIdentity: 'x' } });
    await expect(s.replace({ ...stale, spec: { holderIdentity: 'y' } })).rejects.toThrow('Conflict');
  });

  test('start → leads; renew failures past the deadline → steps down; stop releases the lease', async () => {
    clock = 0;
    const s = store();
    const log: string[] = [];
    const a = make(s, 'a', log);
    a.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(a.isLeader).toBe(true);
    expect(log).toEqual(['a leads']);
    await a.stop();
    expect(log).toEqual(['a leads', 'a stops']);
    expect(s.current()?.spec?.holderIdentity).toBe('');
    const b = make(s, 'b', log);
    expect(await b.tryAcquireOrRenew()).toBe('held');
  });

  test('a leader that cannot renew steps down once the renew deadline passed', async () => {
    clock = 0;
    const s = store();
    const log: string[] = [];
    const a = new LeaderElector({
      client: s, namespace: 'ns', name: 'l', identity: 'a', leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 5,
      now: () => clock, onStartedLeading: () => log.push('leads'), onStoppedLeading: () => log.push('stops'), onError: () => {},
    });
    a.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(a.isLeader).toBe(true);
    s.failing = true;
    clock = 1000;
    await new Promise((r) => setTimeout(r, 20));
    expect(a.isLeader).toBe(true);
    clock = 2500;
    await new Promise((r) => setTimeout(r, 20));
    expect(a.isLeader).toBe(false);
    expect(log).toEqual(['leads', 'stops']);
    await a.stop();
  });

  test('renewDeadline must be shorter than the lease', () => {
    expect(() => new LeaderElector({ client: store(), namespace: 'n', name: 'l', identity: 'a', leaseDurationMs: 1000, renewDeadlineMs: 1000, onStartedLeading() {}, onStoppedLeading() {} })).toThrow();
  });
});
