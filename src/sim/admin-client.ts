/**
 * A small typed client of the sim's admin API (admin.ts), for the CLI and tests.
 */
import type { AdvanceEpochResponse, FundResponse, HealthResponse, NetworkInfo, StatsSnapshot } from './admin-types.ts';

export class SimAdminError extends Error {}

export class SimAdminClient {
  readonly adminUrl: string;

  constructor(adminUrl: string) {
    this.adminUrl = adminUrl.replace(/\/+$/, '');
  }

  /** Sends `mist` (default: the faucet's 100 SUI) to `address`; returns the new coin. */
  fund(address: string, mist?: bigint): Promise<FundResponse> {
    return this.call('POST', '/fund', { address, ...(mist === undefined ? {} : { mist: mist.toString() }) });
  }

  /** Moves the clock `count` epochs forward; returns the new epoch. */
  async advanceEpoch(count = 1): Promise<bigint> {
    const { epoch } = await this.call<AdvanceEpochResponse>('POST', '/advance-epoch', { count });
    return BigInt(epoch);
  }

  stats(): Promise<StatsSnapshot> {
    return this.call('GET', '/stats');
  }

  async resetStats(): Promise<void> {
    await this.call('POST', '/stats/reset', {});
  }

  network(): Promise<NetworkInfo> {
    return this.call('GET', '/network');
  }

  health(): Promise<HealthResponse> {
    return this.call('GET', '/healthz');
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.adminUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new SimAdminError(`sui-sim admin API unreachable at ${this.adminUrl}: ${(error as Error).message}`);
    }
    const payload = (await response.json().catch(() => ({}))) as { error?: string };
    if (!response.ok) throw new SimAdminError(payload.error ?? `sui-sim admin API answered HTTP ${response.status}`);
    return payload as T;
  }
}
