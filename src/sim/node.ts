/**
 * The sim's full node: simulate and execute transactions against the ledger. Execution checks the
 * signatures, runs the transaction and commits it as the next checkpoint; executing the same signed
 * transaction again returns its recorded effects (as a full node does for a known digest).
 */
import { GrpcTypes } from '@mysten/sui/grpc';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { transactionDigest } from './digest.ts';
import { executeTransaction, type ExecutionResult } from './exec/execute.ts';
import { checkSignatures } from './exec/signatures.ts';
import type { Ledger } from './ledger.ts';
import type { NitroLoader } from './nitro.ts';
import { resolveTransaction } from './resolve.ts';
import { draftFromGrpc, parseTransactionBcs, transactionToGrpc } from './txcodec.ts';

export interface SimulationResult {
  transaction: GrpcTypes.ExecutedTransaction;
  commandOutputs: ExecutionResult['commandOutputs'];
}

export class SimNode {
  readonly ledger: Ledger;
  private readonly loadNitroAttestation: NitroLoader;

  constructor(ledger: Ledger, loadNitroAttestation: NitroLoader) {
    this.ledger = ledger;
    this.loadNitroAttestation = loadNitroAttestation;
  }

  /** Resolves (server-side) and dry-runs a transaction; nothing is committed. */
  simulate(request: GrpcTypes.SimulateTransactionRequest): SimulationResult {
    const checks = request.checks !== GrpcTypes.SimulateTransactionRequest_TransactionChecks.DISABLED;
    const draft = draftFromGrpc(request.transaction);
    const { data, bytes } = resolveTransaction(this.ledger, draft, checks && request.doGasSelection === true);
    const digest = transactionDigest(bytes);
    if (data.gasData.payment.length === 0) {
      // Without gas coins there is nothing to run (a transaction-kind-only build): resolution only.
      return { transaction: { digest, transaction: transactionToGrpc(data, bytes, digest), signatures: [], balanceChanges: [] }, commandOutputs: [] };
    }
    const result = executeTransaction(
      this.ledger,
      { data, bytes, digest, signatures: [] },
      { enforce: checks, loadNitroAttestation: this.loadNitroAttestation, nowMs: BigInt(Date.now()) },
    );
    return { transaction: result.transaction, commandOutputs: result.commandOutputs };
  }

  /** Checks the signatures, executes and commits a signed transaction (BCS `TransactionData`). */
  async execute(bytes: Uint8Array, signatures: Uint8Array[]): Promise<GrpcTypes.ExecutedTransaction> {
    const data = parseTransactionBcs(bytes);
    const digest = transactionDigest(bytes);
    const known = this.ledger.getTransaction(digest);
    if (known) return known;
    await checkSignatures(bytes, signatures, [data.sender, data.gasData.owner]);
    // From here on everything is synchronous: no other transaction interleaves with this one.
    const again = this.ledger.getTransaction(digest);
    if (again) return again;
    const result = executeTransaction(
      this.ledger,
      { data, bytes, digest, signatures },
      { enforce: true, loadNitroAttestation: this.loadNitroAttestation, nowMs: BigInt(Date.now()) },
    );
    return this.ledger.commit(result.batch);
  }

  /** The chain's view of an address's SUI coins (used by the faucet). */
  suiCoinsOf(address: string) {
    return this.ledger.ownedObjects(normalizeSuiAddress(address), '0x2::coin::Coin<0x2::sui::SUI>');
  }
}
