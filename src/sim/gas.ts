/**
 * sui-sim's gas model: a flat charge per transaction (docs/sim.md). Real Sui meters computation in
 * buckets and charges storage per byte with rebates; the sim charges GAS_UNITS_PER_TRANSACTION
 * computation units at the transaction's gas price and nothing for storage, so balances move by a
 * predictable amount and every budget check a validator does still applies.
 */
import { MIST_PER_SUI } from '../chain/schema.ts';

/** Reference gas price of every epoch, in MIST per unit (mainnet has been around 500–1000). */
export const REFERENCE_GAS_PRICE = 1_000n;

/** Computation units charged per transaction, success or failure. */
export const GAS_UNITS_PER_TRANSACTION = 1_000n;

/** Sui's `max_tx_gas`: the largest budget a validator accepts (50 SUI). */
export const MAX_GAS_BUDGET = 50n * MIST_PER_SUI;

/** Sui's `max_gas_payment_objects`. */
export const MAX_GAS_PAYMENT_OBJECTS = 256;

export interface GasCost {
  computationCost: bigint;
  storageCost: bigint;
  storageRebate: bigint;
  nonRefundableStorageFee: bigint;
}

/** What a transaction at `gasPrice` is charged. */
export function transactionCost(gasPrice: bigint): GasCost {
  return {
    computationCost: GAS_UNITS_PER_TRANSACTION * gasPrice,
    storageCost: 0n,
    storageRebate: 0n,
    nonRefundableStorageFee: 0n,
  };
}

export function totalCharge(cost: GasCost): bigint {
  return cost.computationCost + cost.storageCost - cost.storageRebate;
}

/** The smallest budget a validator signs for (`min_transaction_cost` in this model). */
export function minimumBudget(gasPrice: bigint): bigint {
  return totalCharge(transactionCost(gasPrice));
}
