/**
 * The ONE stake verdict: given a StakeRecord's status, the seal token's expiry and the current epoch,
 * is the stake still good? authn (token refusal reasons), admission (refusal messages) and the
 * controller (SealBinding phases) each map this verdict to their own words; none of them decides it.
 *
 * Order: the stake's own life cycle first (slashed, withdrawn, unbonding — a slash is the strongest
 * fact and must be reported as such even when the token has also run out), then the token's expiry.
 * A seal token is valid in epochs issued..expires−1: at `expiresEpoch` it has expired (a token
 * minted in epoch 5 with a lifetime of 100 works through epoch 104 and is expired from 105).
 */

/** `StakeRecord.status` names (src/chain/schema.ts holds their u8 values). */
export const STAKE_STATUSES = ['active', 'slashed', 'unbonding', 'withdrawn'] as const;
export type StakeStatusName = (typeof STAKE_STATUSES)[number];

/** `StakeRecord.kind` names. */
export const STAKE_KINDS = ['node', 'user', 'admin'] as const;
export type StakeKindName = (typeof STAKE_KINDS)[number];

export type StakeVerdict =
  | { kind: 'active' }
  | { kind: 'slashed' }
  /** The staker asked to unstake: revoked at once, long before the stake can be withdrawn. */
  | { kind: 'unbonding' }
  | { kind: 'withdrawn' }
  /** The seal token expired at epoch `atEpoch`. */
  | { kind: 'expired'; atEpoch: bigint };

export type StakeVerdictKind = StakeVerdict['kind'];

/** Whether a seal token is past its life at `epoch`. */
export function isExpired(token: { expiresEpoch: bigint }, epoch: bigint): boolean {
  return epoch >= token.expiresEpoch;
}

/** The verdict for a stake (and, when one backs the credential, its seal token) at `epoch`. */
export function stakeVerdict(stake: { status: StakeStatusName }, token: { expiresEpoch: bigint } | undefined, epoch: bigint): StakeVerdict {
  if (stake.status !== 'active') return { kind: stake.status };
  if (token && isExpired(token, epoch)) return { kind: 'expired', atEpoch: token.expiresEpoch };
  return { kind: 'active' };
}
