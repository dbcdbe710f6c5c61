/**
 * ChainWriter: the stake life cycle as transactions of the daas package, signed by one key.
 *
 * Each method builds a programmable transaction, lets the full node resolve it (object versions,
 * gas, budget: the SDK dry-runs it, which is where most aborts surface), signs it once, executes
 * those exact bytes (failover may resend them; Sui deduplicates by digest, so a stake is never made
 * twice), waits until the node has indexed the result, and reads what it needs from the events.
 * A refusal becomes a ChainTxError naming the problem; an unreachable network a ChainUnavailableError.
 */
import type { SuiClientTypes } from '@mysten/sui/client';
import type { Signer } from '@mysten/sui/cryptography';
import { Transaction } from '@mysten/sui/transactions';
import { normalizeStructTag, normalizeSuiAddress } from '@mysten/sui/utils';
import { ChainClient, type CallHook } from './client.ts';
import { ChainTxError } from './errors.ts';
import { decodeEvent, type ChainEvent, type EventFields } from './events.ts';
import type { NetworkConfig } from './network.ts';
import { ChainReader } from './reader.ts';
import { CLOCK_OBJECT_ID, MODULES, StakeKind, structType, type EventName, type StakeKindName } from './schema.ts';
import { fromExecutionError, toChainTxError } from './tx-errors.ts';

/** Where a transaction is; the CLI shows it as progress. */
export type TxPhase = 'building' | 'signing' | 'executing' | 'confirming' | 'done';

export interface ChainWriterOptions {
  client?: ChainClient;
  reader?: ChainReader;
  timeoutMs?: number;
  onCall?: CallHook;
  /** How long to wait for an executed transaction to be indexed (default 60 s). */
  confirmTimeoutMs?: number;
  onProgress?: (phase: TxPhase, detail: { action: string; digest?: string }) => void;
}

export interface TxResult {
  digest: string;
  events: ChainEvent[];
}

export type SealTokenKind = 'worker' | 'user';

const INCLUDE = { effects: true, events: true } as const;

export class ChainWriter {
  readonly network: NetworkConfig;
  readonly signer: Signer;
  readonly client: ChainClient;
  readonly reader: ChainReader;
  readonly #ownsClient: boolean;
  readonly #opts: ChainWriterOptions;

  constructor(net: NetworkConfig, signer: Signer, opts: ChainWriterOptions = {}) {
    this.network = net;
    this.signer = signer;
    this.#opts = opts;
    this.#ownsClient = !opts.client && !opts.reader;
    this.client =
      opts.client ??
      opts.reader?.client ??
      new ChainClient(net.endpoints, { timeoutMs: opts.timeoutMs, onCall: opts.onCall, network: net.name, chainId: net.chainId });
    this.reader = opts.reader ?? new ChainReader(net, { client: this.client });
  }

  get address(): string {
    return this.signer.toSuiAddress();
  }

  /** `staking::stake`: pays `mist` from the gas coin; returns the new StakeRecord's id. */
  async stake(args: { mist: bigint; kind: StakeKindName; nodeId?: string }): Promise<{ recordId: string; digest: string }> {
    const tx = new Transaction();
    const [payment] = tx.splitCoins(tx.gas, [tx.pure.u64(args.mist)]);
    tx.moveCall({
      target: this.#target(MODULES.staking, 'stake'),
      arguments: [tx.object(this.network.poolId), payment!, tx.pure.u8(StakeKind[args.kind]), tx.pure.string(args.nodeId ?? '')],
    });
    const result = await this.#execute(tx, 'stake');
    return { recordId: this.#field(result, 'StakeCreated').record_id, digest: result.digest };
  }

  /** `staking::top_up`: adds `mist` to an active record; returns the new amount. */
  async topUp(recordId: string, mist: bigint): Promise<{ amount: bigint; digest: string }> {
    const tx = new Transaction();
    const [payment] = tx.splitCoins(tx.gas, [tx.pure.u64(mist)]);
    tx.moveCall({
      target: this.#target(MODULES.staking, 'top_up'),
      arguments: [tx.object(this.network.poolId), tx.object(recordId), payment!],
    });
    const result = await this.#execute(tx, 'top-up');
    return { amount: BigInt(this.#field(result, 'StakeToppedUp').amount), digest: result.digest };
  }

  /**
   * `staking::request_unstake`: active → unbonding (stops authenticating at once, can still be
   * slashed); withdrawable from unlockEpoch, the end of the first lock-up or of the unbonding period.
   */
  async requestUnstake(recordId: string): Promise<{ unlockEpoch: bigint; digest: string }> {
    const tx = new Transaction();
    tx.moveCall({
      target: this.#target(MODULES.staking, 'request_unstake'),
      arguments: [tx.object(this.network.poolId), tx.object(recordId)],
    });
    const result = await this.#execute(tx, 'unstake');
    return { unlockEpoch: BigInt(this.#field(result, 'UnstakeRequested').unlock_epoch), digest: result.digest };
  }

  /** `staking::withdraw`: pays the record's remaining amount back to the staker. */
  async withdraw(recordId: string): Promise<{ amount: bigint; digest: string }> {
    const tx = new Transaction();
    tx.moveCall({
      target: this.#target(MODULES.staking, 'withdraw'),
      arguments: [tx.object(this.network.poolId), tx.object(recordId)],
    });
    const result = await this.#execute(tx, 'withdraw');
    return { amount: BigInt(this.#field(result, 'StakeWithdrawn').amount), digest: result.digest };
  }

  /** `staking::slash` with the AdminCap (given, from the network config, or found among the signer's objects). */
  async slash(
    recordId: string,
    reason: string,
    adminCapId?: string,
  ): Promise<{ slashedAmount: bigint; remaining: bigint; digest: string }> {
    const cap = await this.#adminCap(adminCapId);
    const tx = new Transaction();
    tx.moveCall({
      target: this.#target(MODULES.staking, 'slash'),
      arguments: [tx.object(cap), tx.object(this.network.poolId), tx.object(recordId), tx.pure.string(reason)],
    });
    const result = await this.#execute(tx, 'slash');
    const event = this.#field(result, 'StakeSlashed');
    return { slashedAmount: BigInt(event.slashed_amount), remaining: BigInt(event.remaining), digest: result.digest };
  }

  /**
   * Mints a SealToken from an active record: `create_worker_seal_token` for node stakes,
   * `create_user_seal_token` otherwise (read from the record unless `kind` is given).
   */
  async createSealToken(
    recordId: string,
    kind?: SealTokenKind,
  ): Promise<{ tokenId: string; issuedEpoch: bigint; expiresEpoch: bigint; digest: string }> {
    const tokenKind = kind ?? (await this.#sealTokenKindFor(recordId));
    const tx = new Transaction();
    const fn = tokenKind === 'worker' ? 'create_worker_seal_token' : 'create_user_seal_token';
    tx.moveCall({ target: this.#target(MODULES.seal, fn), arguments: [tx.object(recordId)] });
    const result = await this.#execute(tx, 'seal-token create');
    const event = this.#field(result, 'SealTokenCreated');
    return {
      tokenId: event.token_id,
      issuedEpoch: BigInt(event.issued_epoch),
      expiresEpoch: BigInt(event.expires_epoch),
      digest: result.digest,
    };
  }

  /** `seal::revoke_seal_token`: deletes a SealToken the signer owns. */
  async revokeSealToken(tokenId: string): Promise<{ digest: string }> {
    const tx = new Transaction();
    tx.moveCall({ target: this.#target(MODULES.seal, 'revoke_seal_token'), arguments: [tx.object(tokenId)] });
    const result = await this.#execute(tx, 'seal-token revoke');
    this.#field(result, 'SealTokenRevoked');
    return { digest: result.digest };
  }

  /** `staking::set_params` (AdminCap): minimum stake and lock-up of one kind. */
  async setParams(
    args: { kind: StakeKindName; minStakeMist: bigint; lockupEpochs: bigint },
    adminCapId?: string,
  ): Promise<{ digest: string }> {
    const cap = await this.#adminCap(adminCapId);
    const tx = new Transaction();
    tx.moveCall({
      target: this.#target(MODULES.staking, 'set_params'),
      arguments: [
        tx.object(cap),
        tx.object(this.network.poolId),
        tx.pure.u8(StakeKind[args.kind]),
        tx.pure.u64(args.minStakeMist),
        tx.pure.u64(args.lockupEpochs),
      ],
    });
    return { digest: (await this.#execute(tx, 'set-params')).digest };
  }

  /** `staking::set_slash_bps` (AdminCap). */
  async setSlashBps(bps: bigint, adminCapId?: string): Promise<{ digest: string }> {
    const cap = await this.#adminCap(adminCapId);
    const tx = new Transaction();
    tx.moveCall({
      target: this.#target(MODULES.staking, 'set_slash_bps'),
      arguments: [tx.object(cap), tx.object(this.network.poolId), tx.pure.u64(bps)],
    });
    return { digest: (await this.#execute(tx, 'set-slash-bps')).digest };
  }

  /** `staking::set_unbonding_epochs` (AdminCap): the unbonding period of one kind (at least 1 epoch). */
  async setUnbondingEpochs(args: { kind: StakeKindName; epochs: bigint }, adminCapId?: string): Promise<{ digest: string }> {
    const cap = await this.#adminCap(adminCapId);
    const tx = new Transaction();
    tx.moveCall({
      target: this.#target(MODULES.staking, 'set_unbonding_epochs'),
      arguments: [tx.object(cap), tx.object(this.network.poolId), tx.pure.u8(StakeKind[args.kind]), tx.pure.u64(args.epochs)],
    });
    return { digest: (await this.#execute(tx, 'set-unbonding-epochs')).digest };
  }

  /** `staking::withdraw_treasury` (AdminCap): pays slashed SUI out of the treasury to `recipient`. */
  async withdrawTreasury(
    args: { mist: bigint; recipient: string },
    adminCapId?: string,
  ): Promise<{ amount: bigint; remaining: bigint; digest: string }> {
    const cap = await this.#adminCap(adminCapId);
    const tx = new Transaction();
    tx.moveCall({
      target: this.#target(MODULES.staking, 'withdraw_treasury'),
      arguments: [tx.object(cap), tx.object(this.network.poolId), tx.pure.u64(args.mist), tx.pure.address(args.recipient)],
    });
    const result = await this.#execute(tx, 'withdraw-treasury');
    const event = this.#field(result, 'TreasuryWithdrawn');
    return { amount: BigInt(event.amount), remaining: BigInt(event.remaining), digest: result.digest };
  }

  /**
   * Registers an enclave: `0x2::nitro_attestation::load_nitro_attestation(document, clock)` verifies
   * the document (a non-public entry function, so it is a command of its own) and its result is
   * passed to `enclave_registry::register_enclave(config, document)`. Anyone may call it; the Move
   * side accepts only a document whose PCR0-2 equal the config's.
   */
  async registerEnclave(document: Uint8Array): Promise<{ enclaveId: string; digest: string }> {
    const configId = this.#enclaveConfigId();
    const tx = new Transaction();
    const [verified] = tx.moveCall({
      target: '0x2::nitro_attestation::load_nitro_attestation',
      arguments: [tx.pure.vector('u8', document), tx.object(CLOCK_OBJECT_ID)],
    });
    tx.moveCall({
      target: this.#target(MODULES.enclaveRegistry, 'register_enclave'),
      arguments: [tx.object(configId), verified!],
    });
    const result = await this.#execute(tx, 'register-enclave');
    return { enclaveId: this.#field(result, 'EnclaveRegistered').enclave_id, digest: result.digest };
  }

  /** `enclave_registry::set_expected_pcrs` (AdminCap): the PCR0-2 an enclave must show to register. */
  async setExpectedPcrs(pcrs: [Uint8Array, Uint8Array, Uint8Array], adminCapId?: string): Promise<{ version: bigint; digest: string }> {
    const configId = this.#enclaveConfigId();
    const cap = await this.#adminCap(adminCapId);
    const tx = new Transaction();
    tx.moveCall({
      target: this.#target(MODULES.enclaveRegistry, 'set_expected_pcrs'),
      arguments: [tx.object(cap), tx.object(configId), ...pcrs.map((pcr) => tx.pure.vector('u8', pcr))],
    });
    const result = await this.#execute(tx, 'enclave set-pcrs');
    return { version: BigInt(this.#field(result, 'EnclavePcrsUpdated').pcr_version), digest: result.digest };
  }

  #enclaveConfigId(): string {
    if (!this.network.enclaveConfigId) throw new ChainTxError('unknownObject', `unknown object: network ${this.network.name} names no enclave config (DAAS_ENCLAVE_CONFIG_ID)`);
    return this.network.enclaveConfigId;
  }

  /** The id of an AdminCap of our package owned by the signer, or null. */
  async findAdminCap(): Promise<string | null> {
    const type = normalizeStructTag(structType(this.network.packageId, MODULES.staking, 'AdminCap'));
    const { objects } = await this.client.call('listOwnedObjects', (c) =>
      c.core.listOwnedObjects({ owner: this.address, type, limit: 10 }),
    );
    const hit = objects.find((o) => normalizeStructTag(o.type) === type);
    return hit ? normalizeSuiAddress(hit.objectId) : null;
  }

  close(): void {
    if (this.#ownsClient) this.client.close();
  }

  #target(module: string, fn: string): string {
    return `${this.network.packageId}::${module}::${fn}`;
  }

  async #adminCap(given?: string): Promise<string> {
    const cap = given ?? this.network.adminCapId ?? (await this.findAdminCap());
    if (!cap) {
      throw new ChainTxError('wrongOwner', `wrong owner: ${this.address} holds no AdminCap of package ${this.network.packageId}`);
    }
    return cap;
  }

  async #sealTokenKindFor(recordId: string): Promise<SealTokenKind> {
    const record = await this.reader.getStakeRecord(recordId);
    if (!record) {
      throw new ChainTxError('unknownObject', `unknown object: ${recordId} is not a StakeRecord of this network's daas package`, {
        objectId: recordId,
      });
    }
    return record.kind === 'node' ? 'worker' : 'user';
  }

  /** The fields of the single event `name` the transaction emitted. */
  #field<N extends EventName>(result: TxResult, name: N): EventFields<N> {
    const event = result.events.find((e) => e.name === name);
    if (!event) throw new Error(`transaction ${result.digest} succeeded but emitted no ${name} event`);
    return event.fields as EventFields<N>;
  }

  async #execute(tx: Transaction, action: string): Promise<TxResult> {
    const progress = (phase: TxPhase, digest?: string) => this.#opts.onProgress?.(phase, { action, digest });
    try {
      tx.setSenderIfNotSet(this.address);
      progress('building');
      const bytes = await this.client.call('buildTransaction', (c) => tx.build({ client: c }));
      progress('signing');
      const { signature } = await this.signer.signTransaction(bytes);
      progress('executing');
      const executed = await this.client.call('executeTransaction', (c) =>
        c.core.executeTransaction({ transaction: bytes, signatures: [signature], include: INCLUDE }),
      );
      const outcome = executed.Transaction ?? executed.FailedTransaction!;
      if (executed.$kind === 'FailedTransaction') {
        throw fromExecutionError(outcome.status.error!, this.network.packageId, outcome.digest);
      }
      progress('confirming', outcome.digest);
      await this.client.call('waitForTransaction', (c) =>
        c.core.waitForTransaction({ digest: outcome.digest, timeout: this.#opts.confirmTimeoutMs ?? 60_000 }),
      );
      const events = this.#decodeEvents(outcome);
      progress('done', outcome.digest);
      return { digest: outcome.digest, events };
    } catch (error) {
      throw toChainTxError(error, this.network.packageId) ?? error;
    }
  }

  #decodeEvents(outcome: SuiClientTypes.Transaction<typeof INCLUDE>): ChainEvent[] {
    return (outcome.events ?? []).flatMap((event, index) => {
      const decoded = decodeEvent(
        { eventType: event.eventType, contents: event.bcs, transactionDigest: outcome.digest, checkpoint: null, eventIndex: index },
        this.network.packageId,
        '',
      );
      return decoded ? [decoded] : [];
    });
  }
}
