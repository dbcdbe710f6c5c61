/**
 * The sim's state database (src/sim/persist.ts): what a ledger commits is what a reopened store
 * reads back, each commit stores only its delta, a legacy state.json is imported once, and the file is
 * owner-only.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from '@jest/globals';
import { GrpcTypes } from '@mysten/sui/grpc';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Faucet } from '../../../src/sim/faucet.ts';
import { createGenesis } from '../../../src/sim/genesis.ts';
import type { Ledger } from '../../../src/sim/ledger.ts';
import { nitroLoader } from '../../../src/sim/nitro.ts';
import { SimNode } from '../../../src/sim/node.ts';
import { LEGACY_STATE_FILE, openStateStore, serializeLedger, STATE_DB, type StateStore } from '../../../src/sim/persist.ts';

const dirs: string[] = [];
const stores: StateStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-persist-'));
  dirs.push(dir);
  return dir;
}

/** A genesis ledger stored in `dir`, persisting every later change. */
function storedGenesis(dir: string): Ledger {
  const { store, ledger } = openStateStore(dir);
  stores.push(store);
  expect(ledger).toBeUndefined();
  const genesis = createGenesis(1_700_000_000_000n, nitroLoader());
  store.writeLedger(genesis);
  genesis.onCommit = (change) => store.apply(change);
  return genesis;
}

function reopen(dir: string): Ledger {
  const { store, ledger } = openStateStore(dir);
  stores.push(store);
  return ledger!;
}

test('commits and epoch changes read back exactly from a reopened store', async () => {
  const dir = tempDir();
  const ledger = storedGenesis(dir);
  const faucet = new Faucet(new SimNode(ledger, nitroLoader()));
  const alice = Ed25519Keypair.generate().toSuiAddress();
  await faucet.fund(alice, 5n);
  await faucet.fund(alice, 7n);
  ledger.advanceEpoch(3, 1_700_000_100_000n);

  const again = reopen(dir);
  expect(serializeLedger(again)).toEqual(serializeLedger(ledger));
  expect(again.epoch.epoch).toBe(3n);
  expect(again.ownedObjects(alice).map((o) => o.id)).toEqual(ledger.ownedObjects(alice).map((o) => o.id));
  expect(again.ownedObjects(alice)).toHaveLength(2);
});

test('a deleted object is gone after reopening, and its owner no longer lists it', async () => {
  const dir = tempDir();
  const ledger = storedGenesis(dir);
  const node = new SimNode(ledger, nitroLoader());
  const faucet = new Faucet(node);
  const before = node.suiCoinsOf(faucet.address).map((o) => o.id);
  // Funding splits the faucet's coin and uses it as gas: the faucet keeps one coin, at a new version.
  await faucet.fund(Ed25519Keypair.generate().toSuiAddress(), 1n);
  const coin = ledger.getObject(before[0]!)!;
  const again = reopen(dir);
  expect(again.getObject(before[0]!)?.version).toBe(coin.version);
  ledger.commit({ digest: 'delete-test', written: [], deleted: [coin.id], transaction: GrpcTypes.ExecutedTransaction.create({ digest: 'delete-test' }), events: [] });
  const third = reopen(dir);
  expect(third.getObject(coin.id)).toBeUndefined();
  expect(third.ownedObjects(faucet.address).map((o) => o.id)).not.toContain(coin.id);
  expect(third.getTransaction('delete-test')?.checkpoint).toBe(ledger.checkpoint);
});

test('the database is owner-only: it holds the development keys', () => {
  const dir = tempDir();
  storedGenesis(dir);
  expect(statSync(join(dir, STATE_DB)).mode & 0o077).toBe(0);
});

test('a legacy state.json is imported once and removed', async () => {
  const dir = tempDir();
  const ledger = createGenesis(1_700_000_000_000n, nitroLoader());
  await new Faucet(new SimNode(ledger, nitroLoader())).fund(Ed25519Keypair.generate().toSuiAddress(), 2n);
  writeFileSync(join(dir, LEGACY_STATE_FILE), JSON.stringify(serializeLedger(ledger)), { mode: 0o600 });

  const imported = reopen(dir);
  expect(serializeLedger(imported)).toEqual(serializeLedger(ledger));
  expect(existsSync(join(dir, LEGACY_STATE_FILE))).toBe(false);
  expect(serializeLedger(reopen(dir))).toEqual(serializeLedger(ledger));
});

test('a database of another schema is refused, not misread', () => {
  const dir = tempDir();
  storedGenesis(dir);
  stores.splice(0).forEach((s) => s.close());
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
  const db = new DatabaseSync(join(dir, STATE_DB));
  db.exec("UPDATE meta SET value = 'sui-sim-db/999' WHERE key = 'schema'");
  db.close();
  expect(() => openStateStore(dir)).toThrow(/unknown sui-sim state database schema sui-sim-db\/999/);
});
