/**
 * The soak's bookkeeping and verdict, apart from all I/O so a unit test can drive it
 * (test/unit/bench/soak-ledger.test.ts). bench/soak/run.ts feeds it every answer and every slash.
 *
 * What counts as an error: a request that got no answer, a non-200 answer or an unreadable one; a
 * refusal of a token whose stake nobody slashed; an acceptance of a slashed token sent after that
 * token was already refused once (the verdict must not flip back). An acceptance of a slashed token
 * before its first refusal is not an error: it is the refusal delay, which the verdict bounds.
 */

export type Outcome = 'accepted' | 'refused' | 'error';

export const SOAK_GOALS = {
  /** RSS at the end over RSS after warm-up, minus one. */
  rssGrowth: 0.05,
  /** Slash transaction confirmed → first refusal of its token. */
  refusalMs: 2000,
} as const;

/** Reads a TokenReview answer: accepted, refused, or an error (with what was wrong). */
export function classifyReview(httpStatus: number, body: string): { outcome: Outcome; error?: string } {
  if (httpStatus !== 200) return { outcome: 'error', error: `http_${httpStatus}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { outcome: 'error', error: 'unreadable_body' };
  }
  const authenticated = (parsed as { status?: { authenticated?: unknown } } | null)?.status?.authenticated;
  if (authenticated === true) return { outcome: 'accepted' };
  if (authenticated === false) return { outcome: 'refused' };
  return { outcome: 'error', error: 'no_status' };
}

export interface SlashRecord {
  token: number;
  submittedAt: number;
  confirmedAt?: number;
  firstRefusalAt?: number;
}

export interface SlashSummary {
  token: number;
  /** Confirmation → first refusal, ms (undefined: never refused). */
  refusalMs?: number;
}

export interface SoakVerdict {
  ok: boolean;
  failures: string[];
  rssGrowth: number;
  slashes: SlashSummary[];
  maxRefusalMs: number;
}

export class SoakLedger {
  requests = 0;
  accepted = 0;
  refused = 0;
  errors = 0;
  readonly errorKinds = new Map<string, number>();
  readonly #slashes = new Map<number, SlashRecord>();

  /** The slash transaction of `token`'s stake was sent at `at`: refusals of it are legitimate from now on. */
  slashSubmitted(token: number, at: number): void {
    this.#slashes.set(token, { token, submittedAt: at });
  }

  slashConfirmed(token: number, at: number): void {
    const record = this.#slashes.get(token);
    if (!record) throw new Error(`slash of token ${token} confirmed but never submitted`);
    record.confirmedAt = at;
  }

  /** One answer: for `token`, a request sent at `sentAt`, answered at `at`. */
  observe(token: number, outcome: Outcome, sentAt: number, at: number, error?: string): void {
    this.requests++;
    if (outcome === 'error') return this.#error(error ?? 'error');
    const slash = this.#slashes.get(token);
    if (outcome === 'accepted') {
      this.accepted++;
      if (slash?.firstRefusalAt !== undefined && sentAt > slash.firstRefusalAt) this.#error('accepted_after_refusal');
      return;
    }
    this.refused++;
    if (!slash) return this.#error('refused_unslashed');
    slash.firstRefusalAt ??= at;
  }

  /** The first refusal of a slashed token, if any yet. */
  firstRefusal(token: number): number | undefined {
    return this.#slashes.get(token)?.firstRefusalAt;
  }

  slashes(): SlashRecord[] {
    return [...this.#slashes.values()];
  }

  #error(kind: string): void {
    this.errors++;
    this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
  }
}

/** The soak's verdict from the ledger and the RSS after warm-up and at the end. */
export function evaluateSoak(ledger: SoakLedger, rss: { baselineMb: number; endMb: number }): SoakVerdict {
  const failures: string[] = [];
  if (ledger.errors > 0) {
    const kinds = [...ledger.errorKinds].map(([kind, n]) => `${kind} ${n}`).join(', ');
    failures.push(`${ledger.errors} errors (${kinds})`);
  }
  const rssGrowth = rss.endMb / rss.baselineMb - 1;
  if (!(rssGrowth < SOAK_GOALS.rssGrowth)) failures.push(`RSS grew ${(rssGrowth * 100).toFixed(1)} % (goal < ${SOAK_GOALS.rssGrowth * 100} %)`);
  const slashes = ledger.slashes().map((s): SlashSummary => {
    const refusalMs = s.confirmedAt !== undefined && s.firstRefusalAt !== undefined ? Math.max(0, s.firstRefusalAt - s.confirmedAt) : undefined;
    return { token: s.token, ...(refusalMs !== undefined ? { refusalMs } : {}) };
  });
  const never = slashes.filter((s) => s.refusalMs === undefined).length;
  if (never > 0) failures.push(`${never} slashed tokens never refused`);
  const late = slashes.filter((s) => s.refusalMs !== undefined && s.refusalMs > SOAK_GOALS.refusalMs).length;
  if (late > 0) failures.push(`${late} slashed tokens refused later than ${SOAK_GOALS.refusalMs} ms`);
  if (slashes.length === 0) failures.push('no slash happened');
  const maxRefusalMs = Math.max(0, ...slashes.map((s) => s.refusalMs ?? Infinity));
  return { ok: failures.length === 0, failures, rssGrowth, slashes, maxRefusalMs };
}
