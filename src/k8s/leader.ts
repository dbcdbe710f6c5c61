/**
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
 *
 * - a candidate takes the Lease when it is free, released (empty holder) or not renewed for
 *   `leaseDurationMs` *as measured on the candidate's own clock* from the moment it last saw the
 *   record change (clocks of different machines are never compared);
 * - every write is a replace carrying the Lease's resourceVersion, so of two candidates only one
 *   wins (the other gets 409 Conflict);
 * - the leader renews every `retryPeriodMs`; if it cannot renew for `renewDeadlineMs` (shorter than
 *   the lease) it steps down before anyone else may take over;
 * - stop() releases the Lease so a standby takes over at once instead of after the lease runs out.
 *
 * `decideLease` is the pure part; `LeaderElector` does the I/O.
 */

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: 'coordination.k8s.io/v1';
  kind?: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export interface LeaseClient {
  get(namespace: string, name: string): Promise<Lease | null>;
  /** Fails (409) if it exists. */
  create(lease: Lease): Promise<Lease>;
  /** Fails (409) if metadata.resourceVersion is stale. */
  replace(lease: Lease): Promise<Lease>;
}

/** What the candidate last saw of the Lease, and when (its own clock). */
export interface Observation {
  record: string;
  at: number;
}

export type LeaseDecision =
  | { action: 'create'; spec: LeaseSpec }
  | { action: 'update'; spec: LeaseSpec }
  | { action: 'wait'; holder: string };

/** metav1.MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function recordKey(spec: LeaseSpec | undefined): string {
  return JSON.stringify([spec?.holderIdentity ?? '', spec?.renewTime ?? '', spec?.leaseDurationSeconds ?? 0]);
}

/** Updates the observation when the record changed since it was last seen. */
export function observe(previous: Observation | undefined, lease: Lease | null, now: number): Observation {
  const record = recordKey(lease?.spec);
  return previous && previous.record === record ? previous : { record, at: now };
}

export function decideLease(lease: Lease | null, identity: string, observation: Observation, now: number, leaseDurationMs: number): LeaseDecision {
  const durationSeconds = Math.ceil(leaseDurationMs / 1000);
  const stamp = microTime(now);
  if (!lease) {
    return { action: 'create', spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: stamp, renewTime: stamp, leaseTransitions: 0 } };
  }
  const spec = lease.spec ?? {};
  const holder = spec.holderIdentity ?? '';
  const heldFor = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
  if (holder !== '' && holder !== identity && observation.at + heldFor > now) return { action: 'wait', holder };
  const mine = holder === identity;
  return {
    action: 'update',
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : stamp,
      renewTime: stamp,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    },
  };
}

export interface LeaderElectorOptions {
  client: LeaseClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  onError?(error: unknown): void;
  now?(): number;
}

export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectorOptions, 'onError'>> & Pick<LeaderElectorOptions, 'onError'>;
  #observation: Observation | undefined;
  #leader = false;
  #lastRenew = 0;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #cycle: Promise<void> | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, now: Date.now, ...options };
    if (this.#o.renewDeadlineMs >= this.#o.leaseDurationMs) throw new Error('renewDeadlineMs must be shorter than leaseDurationMs');
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops campaigning; a leader steps down and releases the Lease. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#cycle;
    if (this.#leader) {
      this.#setLeader(false);
      await this.#release().catch((error) => this.#o.onError?.(error));
    }
  }

  /** One acquire-or-renew attempt (the timer calls it; tests may too). */
  async tryAcquireOrRenew(): Promise<'held' | 'taken' | 'failed'> {
    const { client, namespace, name, identity } = this.#o;
    const now = this.#o.now();
    try {
      const lease = await client.get(namespace, name);
      this.#observation = observe(this.#observation, lease, now);
      const decision = decideLease(lease, identity, this.#observation, now, this.#o.leaseDurationMs);
      if (decision.action === 'wait') return 'taken';
      const body: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, ...(lease?.metadata.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}) }, spec: decision.spec };
      const written = decision.action === 'create' ? await client.create(body) : await client.replace(body);
      this.#observation = observe(this.#observation, written, now);
      this.#lastRenew = now;
      return 'held';
    } catch (error) {
      this.#o.onError?.(error);
      return 'failed';
    }
  }

  #schedule(delay: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#cycle = this.#tick().finally(() => (this.#cycle = undefined));
    }, delay);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const result = await this.tryAcquireOrRenew();
    if (!this.#running) return;
    if (result === 'held') this.#setLeader(true);
    // Someone else holds it: step down now. A failed renew: only once the renew deadline passed.
    else if (result === 'taken' || this.#o.now() - this.#lastRenew >= this.#o.renewDeadlineMs) this.#setLeader(false);
    const jitter = this.#leader ? 0 : Math.random() * this.#o.retryPeriodMs * 0.2;
    this.#schedule(this.#o.retryPeriodMs + jitter);
  }

  #setLeader(value: boolean): void {
    if (this.#leader === value) return;
    this.#leader = value;
    try {
      if (value) this.#o.onStartedLeading();
      else this.#o.onStoppedLeading();
    } catch (error) {
      this.#o.onError?.(error);
    }
  }

  async #release(): Promise<void> {
    const { client, namespace, name, identity } = this.#o;
    const lease = await client.get(namespace, name);
    if (!lease || lease.spec?.holderIdentity !== identity) return;
    // Keep a 1 s duration rather than 0: a zero duration would fail validation on some versions.
    await client.replace({ ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.#o.now()) } });
  }
}
