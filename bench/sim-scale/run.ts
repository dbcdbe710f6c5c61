/**
 * bench/sim-scale: does a sui-sim transaction cost the same in a small and in a large ledger?
 * (issue 14: stakes per second with 100 and with 20,000 objects within 1.5× of each other.)
 *
 *   node bench/sim-scale/run.ts [--objects 20000] [--stakes 400] [--stakers 8] [--out FILE] [--no-write]
 *
 * `daas-auth sim --state DIR` runs as its own process, as in use. Several stakers stake 1 SUI each in
 * parallel (each key in sequence: its gas coin serialises its transactions), through the unmodified
 * SDK client, and the stakes per second are measured (1) on a ledger of about 100 objects, then
 * (2) after the ledger has been grown to `--objects` objects by transactions of 250 `stake` calls each.
 * The result replaces the sim-scale block of docs/benchmarks.md (unless --no-write).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Transaction } from '@mysten/sui/transactions';
import { freePorts, releasePorts } from '../../hack/lib/ports.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { SimAdminClient, simClient } from '../../src/sim/index.ts';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '20000' },
    stakes: { type: 'string', default: '400' },
    stakers: { type: 'string', default: '8' },
    out: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const OBJECTS = Number(values.objects);
const STAKES = Number(values.stakes);
const STAKERS = Number(values.stakers);
const CALLS_PER_BULK_TX = 250;
/** The small ledger's size: genesis plus the stakers' coins is ~15 objects, so grow it to this first. */
const SMALL_LEDGER = 100;
const DOCS = new URL('../../docs/benchmarks.md', import.meta.url).pathname;
const CLI = new URL('../../bin/daas-auth.js', import.meta.url).pathname;

interface Network {
  packageId: string;
  poolId: string;
}

type Client = ReturnType<typeof simClient>;

async function stake(client: Client, network: Network, key: Ed25519Keypair, calls: number): Promise<void> {
  const tx = new Transaction();
  for (let i = 0; i < calls; i++) {
    const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(MIST_PER_SUI)]);
    tx.moveCall({ target: `${network.packageId}::staking::stake`, arguments: [tx.object(network.poolId), coin!, tx.pure.u8(1), tx.pure.string('')] });
  }
  const result = await client.core.signAndExecuteTransaction({ transaction: tx, signer: key, include: { effects: true } });
  if (result.$kind !== 'Transaction') throw new Error(`stake failed: ${JSON.stringify(result.FailedTransaction?.status)}`);
}

/** Single stakes from every key in parallel; returns stakes per second. */
async function measure(client: Client, network: Network, keys: Ed25519Keypair[]): Promise<number> {
  const perKey = Math.ceil(STAKES / keys.length);
  const started = performance.now();
  await Promise.all(keys.map(async (key) => {
    for (let i = 0; i < perKey; i++) await stake(client, network, key, 1);
  }));
  return (perKey * keys.length) / ((performance.now() - started) / 1000);
}

async function liveObjects(stateDir: string): Promise<number> {
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(stateDir, 'state.db'), { readOnly: true });
  try {
    return Number((db.prepare('SELECT count(*) AS n FROM objects').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(os.tmpdir(), 'sim-scale-'));
  const ports = await freePorts(2);
  const child = spawn(process.execPath, [CLI, 'sim', '--state', stateDir, '--port', String(ports[0]), '--admin-port', String(ports[1]), '--output', 'json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const network = JSON.parse(line) as Network;
    const client = simClient(`http://127.0.0.1:${ports[0]}`);
    const admin = new SimAdminClient(`http://127.0.0.1:${ports[1]}`);
    const keys = Array.from({ length: STAKERS }, () => Ed25519Keypair.generate());
    const bulkSui = BigInt(Math.ceil(OBJECTS / STAKERS) + STAKES + 100);
    for (const key of keys) await admin.fund(key.toSuiAddress(), bulkSui * MIST_PER_SUI);

    const grow = async (target: number, callsPerTx: number) => {
      while ((await liveObjects(stateDir)) < target) await Promise.all(keys.map((key) => stake(client, network, key, callsPerTx)));
    };
    await grow(SMALL_LEDGER, 10);
    const smallObjects = await liveObjects(stateDir);
    const small = await measure(client, network, keys);
    process.stderr.write(`small ledger (${smallObjects} objects): ${small.toFixed(1)} stakes/s\n`);

    const growStarted = performance.now();
    await grow(OBJECTS, CALLS_PER_BULK_TX);
    const growSeconds = (performance.now() - growStarted) / 1000;
    const largeObjects = await liveObjects(stateDir);
    const large = await measure(client, network, keys);
    process.stderr.write(`large ledger (${largeObjects} objects): ${large.toFixed(1)} stakes/s\n`);

    const block = [
      `Run ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model.trim()} (${os.cpus().length} cores, 1-min load ${os.loadavg()[0]!.toFixed(2)} at the end), Node ${process.version}: \`daas-auth sim --state\` as its own process, ${STAKERS} stakers in parallel, ${STAKES} single stakes per measurement.`,
      '',
      '| ledger | live objects | stakes/s |',
      '|---|---:|---:|',
      `| small | ${smallObjects} | ${small.toFixed(1)} |`,
      `| large | ${largeObjects} | ${large.toFixed(1)} |`,
      '',
      `Small ÷ large: **${(small / large).toFixed(2)}×** (goal ≤ 1.5×). Growing the ledger by ${largeObjects - smallObjects} objects (${CALLS_PER_BULK_TX} stakes per transaction) took ${growSeconds.toFixed(1)} s.`,
    ].join('\n');
    process.stdout.write(`${block}\n`);
    if (values.out) writeFileSync(values.out, `${block}\n`);
    if (!values['no-write']) {
      const docs = readFileSync(DOCS, 'utf8');
      const replaced = docs.replace(/<!-- sim-scale:begin -->[\s\S]*<!-- sim-scale:end -->/, `<!-- sim-scale:begin -->\n${block}\n<!-- sim-scale:end -->`);
      if (replaced === docs) throw new Error('docs/benchmarks.md has no sim-scale block to replace');
      writeFileSync(DOCS, replaced);
    }
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit').catch(() => undefined);
    releasePorts(ports);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`sim-scale: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
