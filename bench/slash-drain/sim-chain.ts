/**
 * The sui-sim driver of the slash-drain benchmark: real node stakes (several stakers in parallel,
 * each staking in sequence because a key's gas coin serialises its transactions), the controller as
 * its own process (`daas-auth serve --mode controller`, as the chart runs it), and the slashes as one real transaction
 * of the AdminCap holder (fifty `staking::slash` calls), timed from its confirmation.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Transaction } from '@mysten/sui/transactions';
import { startControllerServe } from '../../hack/lib/controller-serve.ts';
import { resolveNetwork } from '../../src/chain/network.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { ChainWriter } from '../../src/chain/writer.ts';
import { SimAdminClient, startSim } from '../../src/sim/index.ts';
import type { ChainDriver, Stakes } from './chain.ts';
import { pool } from './cluster.ts';

const STAKERS = 20;

export async function simChain(options: { log(line: string): void }): Promise<ChainDriver> {
  const stateDir = mkdtempSync(join(tmpdir(), 'slash-drain-sim-'));
  const sim = await startSim({ stateDir, quiet: true });
  const networkFile = join(stateDir, 'network.json');
  const network = resolveNetwork(networkFile);
  const admin = new SimAdminClient(sim.adminUrl);
  const adminKey = Ed25519Keypair.fromSecretKey(decodeSuiPrivateKey(sim.network.adminKey).secretKey);
  let controller: ChildProcess | undefined;
  return {
    async stakeNodes(nodes) {
      const keys = Array.from({ length: Math.min(STAKERS, nodes.length) }, () => Ed25519Keypair.generate());
      const perKey = Math.ceil(nodes.length / keys.length);
      for (const key of keys) await admin.fund(key.toSuiAddress(), BigInt(perKey * 2 + 10) * MIST_PER_SUI);
      const stakes: Stakes = { records: new Map(), owners: new Map() };
      let done = 0;
      await pool(keys, keys.length, async (key, k) => {
        const writer = new ChainWriter(network, key);
        try {
          for (const node of nodes.slice(k * perKey, (k + 1) * perKey)) {
            const { recordId } = await writer.stake({ mist: MIST_PER_SUI, kind: 'node', nodeId: node });
            stakes.records.set(node, recordId);
            stakes.owners.set(node, key.toSuiAddress());
            if (++done % 100 === 0) options.log(`  ${done} stakes`);
          }
        } finally {
          writer.close();
        }
      });
      return stakes;
    },
    async startController(cluster) {
      const { webhook } = cluster;
      ({ child: controller } = await startControllerServe({
        identity: 'bench-sim',
        kubeconfig: cluster.kubeconfig,
        network: { name: networkFile },
        tls: { certFile: webhook.servingCertFile, keyFile: webhook.servingKeyFile, caFile: webhook.caFile, clientCaFile: webhook.clientCaFile },
        dir: stateDir,
        onLine: (line) => process.stderr.write(`${line}\n`),
      }));
    },
    /** All records slashed by one transaction (one programmable transaction, one `slash` call each). */
    async slash(recordIds) {
      const writer = new ChainWriter(network, adminKey);
      try {
        const tx = new Transaction();
        tx.setSender(adminKey.toSuiAddress());
        for (const id of recordIds) {
          tx.moveCall({
            target: `${network.packageId}::staking::slash`,
            arguments: [tx.object(sim.network.adminCapId), tx.object(network.poolId), tx.object(id), tx.pure.string('slash-drain benchmark')],
          });
        }
        const bytes = await writer.client.call('buildTransaction', (c) => tx.build({ client: c }));
        const { signature } = await adminKey.signTransaction(bytes);
        const executed = await writer.client.call('executeTransaction', (c) => c.core.executeTransaction({ transaction: bytes, signatures: [signature], include: { effects: true } }));
        if (executed.$kind === 'FailedTransaction') throw new Error(`the slash transaction failed: ${JSON.stringify(executed.FailedTransaction?.status)}`);
        const digest = executed.Transaction!.digest;
        await writer.client.call('waitForTransaction', (c) => c.core.waitForTransaction({ digest }));
        const at = Date.now();
        options.log(`slashed ${recordIds.length} records in transaction ${digest}`);
        return new Map(recordIds.map((id) => [id, at]));
      } finally {
        writer.close();
      }
    },
    async stop() {
      if (controller && controller.exitCode === null) {
        const exited = new Promise((resolve) => controller!.once('exit', resolve));
        controller.kill('SIGTERM');
        await exited;
      }
      await sim.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
