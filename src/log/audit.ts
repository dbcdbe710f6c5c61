/**
 * One audit line per authentication decision: who (identity, tier), which token (short hash only),
 * what was decided and why (the reason code). The token itself is never passed in.
 *
 * Audit lines are on the TokenReview hot path, so they do not go through winston (~35 µs a line,
 * as much as a whole bare HTTPS request): they are serialised with JSON.stringify in the same shape
 * as the winston JSON logger's lines and written in batches, at most 20 ms after the decision.
 *
 * A line is made of three runs of fields: those known before the answer (reviewFields: identity,
 * token hash, result…), `seconds`, and the peer's (peerFields). Callers serialise the first and the
 * last with those two functions — the warm TokenReview path once per body and per connection — and
 * pass them to tokenReview.
 */
import type { Writable } from 'node:stream';
import type { Logger } from './index.ts';

export interface TokenReviewAudit {
  /** tokenHash() of the bearer token, or undefined when the body had none. */
  tokenHash?: string;
  apiVersion?: string;
  /** `authenticated`, a refusal reason, `chain_unavailable` or `bad_request`. */
  result: string;
  authenticated: boolean;
  cached?: boolean;
  username?: string;
  groups?: string[];
  tier?: string;
  /** Public claim values (addresses and object ids are public on chain). */
  sub?: string;
  tok?: string;
  aud?: string;
  node?: string;
  error?: string;
  /** The TokenReview's spec.audiences. */
  audiences?: string[];
  seconds: number;
  remote?: string;
  /** Common name of the verified client certificate (kube-apiserver's), when one was presented. */
  clientCn?: string;
}

/** The fields of a line that are known before the answer is sent: all but seconds and the peer's. */
export type ReviewFields = Omit<TokenReviewAudit, 'seconds' | 'remote' | 'clientCn'>;

export interface AuditLog {
  /** One line, from pre-serialised runs of fields: `fields` from reviewFields, `peer` from peerFields. */
  tokenReview(fields: string, seconds: number, peer: string, level?: AuditLevel): void;
  /** Writes what is buffered now (also done automatically after each event-loop turn). */
  flush(): void;
}

export type AuditLevel = 'info' | 'warn';

/**
 * `"k":v,...` (no braces) of the fields known before the answer. `stable` is an optional run of fields
 * serialised ahead that does not change between reviews of one cached token (identity, claims); it
 * comes first.
 */
export function reviewFields(fields: ReviewFields, stable?: string): string {
  const own = JSON.stringify(fields).slice(1, -1);
  return stable ? `${stable},${own}` : own;
}

/** `,"remote":…,"clientCn":…` for the fields present, or '' (a connection's peer, once per connection). */
export function peerFields(peer: Pick<TokenReviewAudit, 'remote' | 'clientCn'>): string {
  const json = JSON.stringify({ remote: peer.remote, clientCn: peer.clientCn });
  return json === '{}' ? '' : `,${json.slice(1, -1)}`;
}

/** Flush early when this much is buffered. */
const FLUSH_BYTES = 64 * 1024;
/** Longest a line waits in the buffer: one write per interval instead of one per request under load. */
const FLUSH_MS = 20;

export function createAuditLog(stream: Writable = process.stderr, service = 'daas-auth'): AuditLog {
  let buffer = '';
  let scheduled = false;
  // The fixed head of every line, and the timestamp formatted once per millisecond.
  const head = (level: string) => `{"level":"${level}","message":"tokenreview","service":${JSON.stringify(service)},"timestamp":"`;
  const heads = { info: head('info'), warn: head('warn') };
  let stampMs = 0;
  let stamp = '';
  const flush = () => {
    scheduled = false;
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    stream.write(chunk);
  };
  // Same line as JSON.stringify({ level, message, service, timestamp, audit, ...stable, ...entry }), without the copies.
  const tokenReview = (fields: string, seconds: number, peer: string, level: AuditLevel = 'info') => {
    const now = Date.now();
    if (now !== stampMs) {
      stampMs = now;
      stamp = new Date(now).toISOString();
    }
    buffer += `${heads[level]}${stamp}","audit":"tokenreview",${fields},"seconds":${JSON.stringify(seconds)}${peer}}\n`;
    if (buffer.length >= FLUSH_BYTES) flush();
    else if (!scheduled) {
      scheduled = true;
      setTimeout(flush, FLUSH_MS).unref();
    }
  };
  return {
    tokenReview,
    flush,
  };
}

/** The audit log that goes with a logger: stderr, like the logger's lines, or nothing when it is silent. */
export function auditLogFor(logger: Logger): AuditLog {
  if (logger.silent) return { tokenReview: () => {}, flush: () => {} };
  return createAuditLog(process.stderr);
}
