import { decodeEvent, eventFilter, eventNameOf, eventType } from '../../../src/chain/events.ts';
import { StakeSlashed, EVENT_NAMES } from '../../../src/chain/schema.ts';
import { ALICE, OTHER_PKG, PKG, id } from './fixtures.ts';

const slashed = StakeSlashed.serialize({
  record_id: id(0x100),
  staker: ALICE,
  slashed_amount: 500n,
  remaining: 500n,
  reason: 'double signing',
  epoch: 9n,
}).toBytes();

const raw = (eventTypeName: string, contents = slashed) => ({
  eventType: eventTypeName,
  contents,
  transactionDigest: 'DIGEST',
  checkpoint: 42n,
  eventIndex: 1,
});

test('decodes one of our events with its position', () => {
  const event = decodeEvent(raw(`${PKG}::staking::StakeSlashed`), PKG, 'CURSOR');
  expect(event).toEqual({
    name: 'StakeSlashed',
    fields: { record_id: id(0x100), staker: ALICE, slashed_amount: '500', remaining: '500', reason: 'double signing', epoch: '9' },
    txDigest: 'DIGEST',
    checkpoint: 42n,
    eventIndex: 1,
    cursor: 'CURSOR',
  });
});

test('an event of another package, module or name is not ours', () => {
  expect(decodeEvent(raw(`${OTHER_PKG}::staking::StakeSlashed`), PKG, 'c')).toBeNull();
  expect(decodeEvent(raw(`${PKG}::seal::StakeSlashed`), PKG, 'c')).toBeNull();
  expect(decodeEvent(raw(`${PKG}::staking::Unknown`), PKG, 'c')).toBeNull();
});

test('an event of ours that does not decode exactly is an error, not silently skipped', () => {
  expect(() => decodeEvent(raw(`${PKG}::staking::StakeSlashed`, slashed.slice(1)), PKG, 'c')).toThrow(/malformed/);
});

test('every event name maps back from its type', () => {
  for (const name of EVENT_NAMES) expect(eventNameOf(eventType(PKG, name), PKG)).toBe(name);
});

test('the filter asks for our modules, or for exactly the named event types', () => {
  const all = eventFilter(PKG);
  expect(all.terms.map((t) => t.literals[0]!.predicate)).toEqual(
    ['staking', 'seal', 'enclave_registry'].map((m) => ({ oneofKind: 'eventType', eventType: { eventType: `${PKG}::${m}` } })),
  );
  const some = eventFilter(PKG, ['StakeSlashed', 'SealTokenRevoked', 'StakeSlashed']);
  expect(some.terms.map((t) => (t.literals[0]!.predicate as { eventType: { eventType: string } }).eventType.eventType)).toEqual([
    `${PKG}::staking::StakeSlashed`,
    `${PKG}::seal::SealTokenRevoked`,
  ]);
});
