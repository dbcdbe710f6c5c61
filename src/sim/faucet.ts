/**
 * The faucet, as Sui runs one: an ordinary account (created at genesis with most of the supply)
 * that sends SUI with a signed transaction — split from its gas coin, transfer to the recipient —
 * executed like any other. Requests are serialised because each one spends the faucet's coin.
 */
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Transaction } from '@mysten/sui/transactions';
import { fromBase64, isValidSuiAddress, normalizeSuiAddress } from '@mysten/sui/utils';
import { GrpcTypes } from '@mysten/sui/grpc';
import { MIST_PER_SUI } from '../chain/schema.ts';
import { suiBalanceOf } from './codec.ts';
import { minimumBudget } from './gas.ts';
import type { SimNode } from './node.ts';

/** Default amount of one faucet request: 100 SUI. */
export const DEFAULT_FUND_MIST = 100n * MIST_PER_SUI;
/** Largest single request: 1 million SUI. */
export const MAX_FUND_MIST = 1_000_000n * MIST_PER_SUI;

export interface FundResult {
  coinId: string;
  digest: string;
  mist: string;
}

export class FaucetError extends Error {}

export class Faucet {
  private readonly node: SimNode;
  private readonly keypair: Ed25519Keypair;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(node: SimNode) {
    this.node = node;
    this.keypair = Ed25519Keypair.fromSecretKey(decodeSuiPrivateKey(node.ledger.genesis.faucetKey).secretKey);
  }

  get address(): string {
    return this.keypair.toSuiAddress();
  }

  fund(recipient: string, mist: bigint = DEFAULT_FUND_MIST): Promise<FundResult> {
    if (!isValidSuiAddress(normalizeSuiAddress(recipient)) || !/^(0x)?[0-9a-fA-F]{1,64}$/.test(recipient)) {
      return Promise.reject(new FaucetError(`not a Sui address: ${recipient}`));
    }
    if (mist <= 0n || mist > MAX_FUND_MIST) return Promise.reject(new FaucetError(`amount must be 1..${MAX_FUND_MIST} MIST`));
    const run = this.queue.then(() => this.send(normalizeSuiAddress(recipient), mist));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(recipient: string, mist: bigint): Promise<FundResult> {
    const [coin] = this.node
      .suiCoinsOf(this.address)
      .sort((a, b) => (suiBalanceOf(b) > suiBalanceOf(a) ? 1 : -1));
    if (!coin || suiBalanceOf(coin) < mist + minimumBudget(this.node.ledger.epoch.referenceGasPrice)) {
      throw new FaucetError('the faucet is dry');
    }
    const price = this.node.ledger.epoch.referenceGasPrice;
    const tx = new Transaction();
    tx.setSender(this.address);
    tx.setGasPayment([{ objectId: coin.id, version: coin.version.toString(), digest: coin.digest }]);
    tx.setGasPrice(price);
    tx.setGasBudget(minimumBudget(price));
    const [sent] = tx.splitCoins(tx.gas, [tx.pure.u64(mist)]);
    tx.transferObjects([sent!], tx.pure.address(recipient));
    const bytes = await tx.build();
    const { signature } = await this.keypair.signTransaction(bytes);
    const executed = await this.node.execute(bytes, [fromBase64(signature)]);
    const created = executed.effects?.changedObjects.find(
      (c) => c.idOperation === GrpcTypes.ChangedObject_IdOperation.CREATED && c.outputOwner?.address === recipient,
    );
    if (!executed.effects?.status?.success || !created?.objectId) throw new FaucetError('the faucet transaction failed');
    return { coinId: created.objectId, digest: executed.digest!, mist: mist.toString() };
  }
}
