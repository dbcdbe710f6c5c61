/**
 * Holds the Move package, src/chain/schema.ts, docs/onchain-model.md and the sim's mirror
 * (src/sim/package) to one shape, so that none can drift from the others: abort codes, struct field
 * order, enum values and defaults, entry points and their parameters, and the one-for-one pairing
 * of Move tests with mirror unit tests (listed in docs/entry-points.md).
 */
import { readFileSync } from 'node:fs';
import {
  ABORT_CODES,
  MODULES,
  PACKAGE_VERSION,
  POOL_DEFAULTS,
  SEAL_TOKEN_LIFETIME_EPOCHS,
  StakeKind,
  StakeStatus,
  STRUCTS,
  USER_PERMISSION_STEPS,
  WORKER_PERMISSIONS,
  type ModuleName,
} from '../../../src/chain/schema.ts';
import type { ParamType } from '../../../src/sim/package/api.ts';
import { findEntryFunction, PACKAGE_FUNCTIONS } from '../../../src/sim/package/index.ts';
import { hasPublicTransfer } from '../../../src/sim/codec.ts';
import { STRUCT } from '../../../src/sim/package/objects.ts';
import {
  abortCodes,
  byteStrings,
  constants,
  functionBody,
  publicFunctions,
  ROOT,
  sourceFiles,
  structFields,
  successTestNames,
  testFiles,
  testNames,
  type MoveFile,
} from './move-source.ts';

const moduleNames = Object.values(MODULES) as ModuleName[];
const source = (module: ModuleName): MoveFile => {
  const file = sourceFiles().find((f) => f.module === module);
  if (!file) throw new Error(`contracts/sources has no module ${module}`);
  return file;
};

/** Entry point names per module, from the `### module` sections of docs/onchain-model.md. */
function documentedEntryPoints(): Record<string, string[]> {
  const doc = readFileSync(`${ROOT}docs/onchain-model.md`, 'utf8');
  const part = doc.slice(doc.indexOf('## Entry points'), doc.indexOf('## How the sim reports'));
  const out: Record<string, string[]> = {};
  for (const section of part.split(/^### /m).slice(1)) {
    const module = section.split('\n', 1)[0]!.trim();
    out[module] = [...section.matchAll(/^- `(\w+)\(/gm)].map((m) => m[1]!);
  }
  return out;
}

/** Field names of a schema struct in order (BCS of all-zero bytes parses for every shape we use). */
function schemaFields(schema: unknown): string[] {
  return Object.keys((schema as { parse(b: Uint8Array): object }).parse(new Uint8Array(4096)));
}

describe('abort codes', () => {
  test.each(moduleNames)('%s: the Move constants are exactly ABORT_CODES', (module) => {
    expect(abortCodes(source(module).text)).toEqual(ABORT_CODES[module]);
  });
});

describe('structs and events', () => {
  test.each(moduleNames)('%s: every public struct has the schema’s fields in the schema’s order', (module) => {
    const move = structFields(source(module).text);
    const schema = STRUCTS[module] as Record<string, unknown>;
    expect(Object.keys(move).sort()).toEqual(Object.keys(schema).sort());
    for (const [name, fields] of Object.entries(move)) expect([name, fields]).toEqual([name, schemaFields(schema[name])]);
  });

  test('the sim gives each stored package struct the `store` ability Move declares', () => {
    const ours = Object.values(STRUCT).filter((struct) => !struct.startsWith('0x'));
    for (const struct of ours) {
      const [module, name] = struct.split('::') as [ModuleName, string];
      const abilities = new RegExp(`^public struct ${name} has ([\\w, ]+) \\{`, 'm').exec(source(module).text)![1]!;
      expect([struct, hasPublicTransfer(struct)]).toEqual([struct, abilities.split(/,\s*/).includes('store')]);
    }
    // The SealToken is bound to its staker: `key` only.
    expect(hasPublicTransfer(STRUCT.SealToken)).toBe(false);
  });

  test('the mirror’s STRUCT names each package struct `module::Name` after its Move struct', () => {
    const ours = Object.entries(STRUCT).filter(([, struct]) => !struct.startsWith('0x'));
    expect(ours.length).toBeGreaterThan(0);
    for (const [key, struct] of ours) {
      const [module, name] = struct.split('::') as [ModuleName, string];
      expect([struct, key, name in structFields(source(module).text)]).toEqual([struct, name, true]);
    }
  });
});

/** The values of Move constants `names` (each must exist). */
function values(c: Record<string, string>, ...names: string[]): bigint[] {
  return names.map((name) => {
    const value = c[name];
    if (value === undefined) throw new Error(`no Move constant ${name}`);
    return BigInt(value);
  });
}

describe('enum values, defaults and permissions', () => {
  const staking = () => constants(source('staking').text);
  const seal = () => source('seal').text;

  test('stake kinds and statuses', () => {
    const c = staking();
    expect(values(c, 'KIND_NODE', 'KIND_USER', 'KIND_ADMIN')).toEqual(
      [StakeKind.node, StakeKind.user, StakeKind.admin].map(BigInt),
    );
    expect(values(c, 'STATUS_ACTIVE', 'STATUS_SLASHED', 'STATUS_UNBONDING', 'STATUS_WITHDRAWN')).toEqual(
      [StakeStatus.active, StakeStatus.slashed, StakeStatus.unbonding, StakeStatus.withdrawn].map(BigInt),
    );
  });

  test('pool defaults', () => {
    const c = staking();
    expect(values(c, 'DEFAULT_NODE_MIN_STAKE', 'DEFAULT_USER_MIN_STAKE', 'DEFAULT_ADMIN_MIN_STAKE')).toEqual([
      ...POOL_DEFAULTS.minStake,
    ]);
    expect(values(c, 'DEFAULT_NODE_LOCKUP_EPOCHS', 'DEFAULT_USER_LOCKUP_EPOCHS', 'DEFAULT_ADMIN_LOCKUP_EPOCHS')).toEqual([
      ...POOL_DEFAULTS.lockupEpochs,
    ]);
    expect(values(c, 'DEFAULT_SLASH_BPS')).toEqual([POOL_DEFAULTS.slashBps]);
    expect(
      values(c, 'DEFAULT_NODE_UNBONDING_EPOCHS', 'DEFAULT_USER_UNBONDING_EPOCHS', 'DEFAULT_ADMIN_UNBONDING_EPOCHS'),
    ).toEqual([...POOL_DEFAULTS.unbondingEpochs]);
    // No stake may leave in the transaction that asks to leave.
    expect(POOL_DEFAULTS.unbondingEpochs.every((epochs) => epochs >= 1n)).toBe(true);
  });

  test('package version', () => {
    expect(values(staking(), 'VERSION')).toEqual([PACKAGE_VERSION]);
  });

  test('seal token lifetime, worker permissions and user permission steps', () => {
    const c = constants(seal());
    expect(values(c, 'SEAL_TOKEN_LIFETIME_EPOCHS')).toEqual([SEAL_TOKEN_LIFETIME_EPOCHS]);
    expect(values(c, 'READ_STEP_MIST', 'WRITE_STEP_MIST', 'NODES_STEP_MIST', 'ALL_STEP_MIST')).toEqual(
      USER_PERMISSION_STEPS.map((step) => step.minMist),
    );
    expect(byteStrings(functionBody(seal(), 'worker_permissions'))).toEqual([...WORKER_PERMISSIONS]);
    expect(byteStrings(functionBody(seal(), 'user_permissions'))).toEqual(
      USER_PERMISSION_STEPS.flatMap((step) => [...step.permissions]),
    );
  });
});

/** A Move parameter type as the mirror's descriptor must declare it. */
function expectedParamType(moveType: string): ParamType {
  const PURE: Record<string, ParamType> = {
    u8: { kind: 'pure', type: 'u8' },
    u64: { kind: 'pure', type: 'u64' },
    bool: { kind: 'pure', type: 'bool' },
    address: { kind: 'pure', type: 'address' },
    String: { kind: 'pure', type: 'string' },
    'vector<u8>': { kind: 'pure', type: 'vector<u8>' },
  };
  if (PURE[moveType]) return PURE[moveType];
  if (moveType === 'NitroAttestationDocument') {
    return { kind: 'value', struct: '0x2::nitro_attestation::NitroAttestationDocument', ref: 'value' };
  }
  const m = /^(&mut |&)?(.+)$/.exec(moveType)!;
  // The mirror's STRUCT is keyed by the Move struct names; Move spells the coin `Coin<SUI>`.
  const moveName = m[2] === 'Coin<SUI>' ? 'Coin' : m[2]!;
  const struct = Object.hasOwn(STRUCT, moveName) ? STRUCT[moveName as keyof typeof STRUCT] : undefined;
  if (!struct) throw new Error(`no mirror type for Move type ${moveType}`);
  const ref = m[1] === '&mut ' ? 'mut' : m[1] === '&' ? 'imm' : 'value';
  return { kind: 'object', struct, ref } as ParamType;
}

describe('entry points', () => {
  const documented = documentedEntryPoints();

  test('docs/onchain-model.md documents the three modules', () => {
    expect(Object.keys(documented).sort()).toEqual([...moduleNames].sort());
  });

  test.each(moduleNames)('%s: every documented entry point is a `public fun` of the module', (module) => {
    const functions = publicFunctions(source(module).text);
    for (const name of documented[module]!) expect([name, name in functions]).toEqual([name, true]);
  });

  test('the mirror has exactly the documented entry points', () => {
    const mirrored = PACKAGE_FUNCTIONS.map((f) => `${f.module}::${f.name}`).sort();
    const expected = Object.entries(documented)
      .flatMap(([module, names]) => names.map((name) => `${module}::${name}`))
      .sort();
    expect(mirrored).toEqual(expected);
  });

  test.each(moduleNames)('%s: the mirror declares each entry point with the Move parameters', (module) => {
    const functions = publicFunctions(source(module).text);
    for (const name of documented[module]!) {
      const descriptor = findEntryFunction(module, name)!;
      const move = functions[name]!.map((p) => ({ name: p.name, type: expectedParamType(p.type) }));
      expect([name, descriptor.params]).toEqual([name, move]);
    }
  });

  test('the Move functions take `&mut TxContext` last, as the doc says', () => {
    for (const module of moduleNames) {
      const text = source(module).text.replace(/\/\/.*$/gm, '');
      for (const name of documented[module]!) {
        expect([name, new RegExp(`^public fun ${name}\\([^)]*ctx: &mut TxContext,?\\s*\\)`, 'm').test(text)]).toEqual([
          name,
          true,
        ]);
      }
    }
  });
});

describe('tests, one for one', () => {
  const mirrorFile: Record<ModuleName, string> = {
    staking: 'staking',
    seal: 'seal',
    enclave_registry: 'enclave-registry',
  };
  /** snake_case test names of a mirror test file (sentence-named tests are mirror-only extras). */
  const mirrorTests = (module: ModuleName): string[] => {
    const text = readFileSync(`${ROOT}test/unit/sim/package/${mirrorFile[module]}.test.ts`, 'utf8');
    return [...text.matchAll(/\btest\('([a-z0-9_]+)'/g)].map((m) => m[1]!);
  };
  const moveTests = (module: ModuleName): string[] =>
    testNames(testFiles().find((f) => f.module === `${module}_tests`)!.text);

  test.each(moduleNames)('%s: the Move tests and the mirror tests are the same cases', (module) => {
    const move = moveTests(module);
    expect(move.length).toBeGreaterThan(0);
    expect(new Set(move).size).toBe(move.length);
    expect([...mirrorTests(module)].sort()).toEqual([...move].sort());
  });

  test.each(moduleNames)('%s: every documented entry point has a success test and a test of each abort', (module) => {
    const tests = testFiles().find((f) => f.module === `${module}_tests`)!.text;
    const succeeding = successTestNames(tests);
    for (const name of documentedEntryPoints()[module]!) {
      expect([name, succeeding.some((test) => test.startsWith(`${name}_`))]).toEqual([name, true]);
    }
    for (const abort of Object.keys(ABORT_CODES[module])) {
      expect([abort, tests.includes(`abort_code = ${module}::${abort})`)]).toEqual([abort, true]);
    }
  });

  test('docs/entry-points.md names every Move test', () => {
    const table = readFileSync(`${ROOT}docs/entry-points.md`, 'utf8');
    for (const module of moduleNames) {
      for (const name of moveTests(module)) expect([name, table.includes(name)]).toEqual([name, true]);
    }
  });
});
