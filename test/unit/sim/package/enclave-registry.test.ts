/**
 * The sim's mirror of `daas::enclave_registry`, case for case with
 * contracts/tests/enclave_registry_tests.move (same names; test/unit/contracts/drift.test.ts holds
 * the two lists equal), plus the framework's `load_nitro_attestation` that a registration calls first.
 */
import { PACKAGE_VERSION } from '../../../../src/chain/schema.ts';
import type { EnclaveConfigFields, EnclaveFields } from '../../../../src/sim/package/objects.ts';
import { MoveAbort, type NitroAttestation } from '../../../../src/sim/package/api.ts';
import { ADMIN, ALICE, expectAbort, FakeChain, obj, pcr, val } from './fake-chain.ts';

const TIMESTAMP_MS = 1_731_627_987_382n;
const DOCUMENT = new Uint8Array([0x84, 0x44, 0xa1, 0x01]);
const KEY = new Uint8Array(120).fill(0x30);

function document(pcrs: Array<[number, Uint8Array]>, publicKey: Uint8Array | null = KEY): NitroAttestation {
  return {
    moduleId: 'i-0f73a4b4cb74cc9f2-enc0192e4188fef781d',
    timestampMs: TIMESTAMP_MS,
    digest: 'SHA384',
    pcrs: new Map(pcrs),
    publicKey,
    userData: null,
    nonce: null,
  };
}

const pinned = (): Array<[number, Uint8Array]> => [
  [0, pcr(1)],
  [1, pcr(2)],
  [2, pcr(3)],
  [3, pcr(0)],
  [4, pcr(0)],
  [8, pcr(0)],
];

function setPcrs(chain: FakeChain, pcr0: Uint8Array, pcr1: Uint8Array, pcr2: Uint8Array) {
  return chain.call(ADMIN, 'enclave_registry::set_expected_pcrs', [
    obj(chain.adminCapId),
    obj(chain.configId),
    pcr0,
    pcr1,
    pcr2,
  ]);
}

function pinPcrs(chain: FakeChain): void {
  setPcrs(chain, pcr(1), pcr(2), pcr(3));
}

/** The two commands of a registration: load_nitro_attestation, then register_enclave with its result. */
function register(chain: FakeChain, doc: NitroAttestation) {
  chain.nitro = () => doc;
  const clock = chain.clock(TIMESTAMP_MS);
  const [verified] = chain.call(ALICE, 'nitro_attestation::load_nitro_attestation', [DOCUMENT, obj(clock)]).returns;
  return chain.call(ALICE, 'enclave_registry::register_enclave', [obj(chain.configId), val(verified)]);
}

describe('enclave_registry mirror: init', () => {
  test('init_shares_empty_enclave_config', () => {
    const chain = new FakeChain();
    expect(chain.owner(chain.configId)).toEqual({ kind: 'shared' });
    expect(chain.fields<EnclaveConfigFields>(chain.configId)).toEqual({
      id: chain.configId,
      version: String(PACKAGE_VERSION),
      pcr0: new Uint8Array(),
      pcr1: new Uint8Array(),
      pcr2: new Uint8Array(),
      pcr_version: '0',
    });
  });
});

describe('enclave_registry mirror: set_expected_pcrs', () => {
  test('set_expected_pcrs_pins_pcrs_and_bumps_version', () => {
    const chain = new FakeChain();
    const result = setPcrs(chain, pcr(1), pcr(2), pcr(3));
    expect(chain.fields<EnclaveConfigFields>(chain.configId)).toEqual({
      id: chain.configId,
      version: String(PACKAGE_VERSION),
      pcr0: pcr(1),
      pcr1: pcr(2),
      pcr2: pcr(3),
      pcr_version: '1',
    });
    expect(result.events).toEqual([
      { type: 'enclave_registry::EnclavePcrsUpdated', fields: { config_id: chain.configId, pcr_version: '1' } },
    ]);
    setPcrs(chain, pcr(4), pcr(5), pcr(6));
    expect(chain.fields<EnclaveConfigFields>(chain.configId).pcr_version).toBe('2');
  });

  test('set_expected_pcrs_rejects_config_of_old_version', () => {
    const chain = new FakeChain();
    chain.patch(chain.configId, { version: 0n });
    expectAbort(() => setPcrs(chain, pcr(1), pcr(2), pcr(3)), 'enclave_registry', 'EWrongVersion');
  });

  test('set_expected_pcrs_rejects_short_pcr0', () => {
    const chain = new FakeChain();
    expectAbort(() => setPcrs(chain, new Uint8Array(47), pcr(2), pcr(3)), 'enclave_registry', 'EInvalidPcr');
  });

  test('set_expected_pcrs_rejects_long_pcr1', () => {
    const chain = new FakeChain();
    expectAbort(() => setPcrs(chain, pcr(1), new Uint8Array(49), pcr(3)), 'enclave_registry', 'EInvalidPcr');
  });

  test('set_expected_pcrs_rejects_empty_pcr2', () => {
    const chain = new FakeChain();
    expectAbort(() => setPcrs(chain, pcr(1), pcr(2), new Uint8Array()), 'enclave_registry', 'EInvalidPcr');
  });
});

describe('enclave_registry mirror: register_enclave', () => {
  test('register_enclave_shares_enclave_with_key', () => {
    const chain = new FakeChain();
    pinPcrs(chain);
    chain.epoch = 2n;
    const result = register(chain, document(pinned()));
    expect(result.created).toHaveLength(1);
    const id = result.created[0]!;
    expect(chain.owner(id)).toEqual({ kind: 'shared' });
    expect(chain.fields<EnclaveFields>(id)).toEqual({
      id,
      config_version: '1',
      public_key: KEY,
      pcr0: pcr(1),
      registered_by: ALICE,
      registered_epoch: '2',
      attestation_timestamp_ms: String(TIMESTAMP_MS),
    });
    expect(result.events).toEqual([
      {
        type: 'enclave_registry::EnclaveRegistered',
        fields: { enclave_id: id, public_key: KEY, pcr0: pcr(1), epoch: '2' },
      },
    ]);
  });

  test('register_enclave_rejects_unset_config', () => {
    const chain = new FakeChain();
    expectAbort(() => register(chain, document(pinned())), 'enclave_registry', 'EPcrMismatch');
  });

  test('register_enclave_rejects_other_pcr1', () => {
    const chain = new FakeChain();
    pinPcrs(chain);
    const pcrs = pinned().map(([index, value]): [number, Uint8Array] => [index, index === 1 ? pcr(9) : value]);
    expectAbort(() => register(chain, document(pcrs)), 'enclave_registry', 'EPcrMismatch');
  });

  test('register_enclave_rejects_document_without_pcr2', () => {
    const chain = new FakeChain();
    pinPcrs(chain);
    const pcrs = pinned().filter(([index]) => index !== 2);
    expectAbort(() => register(chain, document(pcrs)), 'enclave_registry', 'EPcrMismatch');
  });

  test('register_enclave_rejects_document_without_public_key', () => {
    const chain = new FakeChain();
    pinPcrs(chain);
    expectAbort(() => register(chain, document(pinned(), null)), 'enclave_registry', 'ENoPublicKey');
  });

  test('register_enclave_rejects_empty_public_key', () => {
    const chain = new FakeChain();
    pinPcrs(chain);
    expectAbort(() => register(chain, document(pinned(), new Uint8Array())), 'enclave_registry', 'ENoPublicKey');
  });
});

describe('framework mirror: nitro_attestation::load_nitro_attestation', () => {
  test('hands the document bytes and the clock time to the verifier and returns its document', () => {
    const chain = new FakeChain();
    const seen: Array<[Uint8Array, bigint]> = [];
    const doc = document(pinned());
    chain.nitro = (bytes, timestampMs) => {
      seen.push([bytes, timestampMs]);
      return doc;
    };
    const clock = chain.clock(TIMESTAMP_MS);
    const result = chain.call(ALICE, 'nitro_attestation::load_nitro_attestation', [DOCUMENT, obj(clock)]);
    expect(seen).toEqual([[DOCUMENT, TIMESTAMP_MS]]);
    expect(result.returns).toEqual([doc]);
    expect(result.events).toEqual([]);
  });

  test("passes the verifier's framework abort through", () => {
    const chain = new FakeChain();
    chain.nitro = () => {
      throw new MoveAbort('nitro_attestation', 1, '0x2');
    };
    const clock = chain.clock(TIMESTAMP_MS);
    expect(() => chain.call(ALICE, 'nitro_attestation::load_nitro_attestation', [DOCUMENT, obj(clock)])).toThrow(
      expect.objectContaining({ module: 'nitro_attestation', code: 1, packageId: '0x2' }),
    );
  });
});

describe('enclave_registry mirror: versions', () => {
  test('register_enclave_rejects_config_of_old_version', () => {
    const chain = new FakeChain();
    pinPcrs(chain);
    chain.patch(chain.configId, { version: 0n });
    expectAbort(() => register(chain, document(pinned())), 'enclave_registry', 'EWrongVersion');
  });

  test('migrate_moves_old_config_to_current_version', () => {
    const chain = new FakeChain();
    chain.patch(chain.configId, { version: 0n });
    const result = chain.call(ADMIN, 'enclave_registry::migrate', [obj(chain.adminCapId), obj(chain.configId)]);
    expect(result.events).toEqual([
      { type: 'staking::ObjectMigrated', fields: { object_id: chain.configId, version: String(PACKAGE_VERSION) } },
    ]);
    expect(chain.fields<EnclaveConfigFields>(chain.configId).version).toBe(String(PACKAGE_VERSION));
    pinPcrs(chain);
  });

  test('migrate_rejects_current_config', () => {
    const chain = new FakeChain();
    const migrate = () => chain.call(ADMIN, 'enclave_registry::migrate', [obj(chain.adminCapId), obj(chain.configId)]);
    expectAbort(migrate, 'enclave_registry', 'ENotUpgrade');
  });
});
