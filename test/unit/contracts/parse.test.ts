/**
 * No Move compiler runs here, so CI parse-checks the package with the Move parser that
 * `@mysten/prettier-plugin-move` ships (tree-sitter-move): prettier exits 2 on a syntax error, 1 when
 * a file only needs formatting, 0 when it is formatted as the plugin prints it. The last cases show
 * that the check really rejects broken Move.
 */
import { spawnSync } from 'node:child_process';
import { CONTRACTS, ROOT, sourceFiles, testFiles } from './move-source.ts';

const PRETTIER = `${ROOT}node_modules/prettier/bin/prettier.cjs`;
const CONFIG = `${CONTRACTS}/.prettierrc.json`; // names the plugin; Move's 4-space, 100-column style

interface Outcome {
  status: number | null;
  stderr: string;
}

function prettier(args: string[], input?: string): Outcome {
  const run = spawnSync(process.execPath, [PRETTIER, '--config', CONFIG, ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stderr: run.stderr };
}

/** Formats Move text given on stdin as if it were a file of the package. */
const formatSnippet = (text: string): Outcome => prettier(['--stdin-filepath', 'contracts/sources/snippet.move'], text);

const files = [...sourceFiles(), ...testFiles()].map((f) => f.path.slice(ROOT.length));
const checked = new Map<string, Outcome>();
const check = (path: string): Outcome => {
  if (!checked.has(path)) checked.set(path, prettier(['--check', path]));
  return checked.get(path)!;
};

/** A prettier run starts a Node process: slow on a busy machine. */
const SLOW = 60_000;

describe('the Move package parses', () => {
  test('has the three modules and their tests', () => {
    expect(sourceFiles().map((f) => f.module)).toEqual(['enclave_registry', 'seal', 'staking']);
    expect(testFiles().map((f) => f.module)).toEqual(
      expect.arrayContaining(['enclave_registry_tests', 'seal_tests', 'staking_tests']),
    );
  });

  test.each(files)('%s has no syntax error', (path) => {
    const outcome = check(path);
    expect(outcome.stderr).not.toMatch(/tree-sitter failure|SyntaxError/);
    expect(outcome.status).not.toBe(2);
    expect([0, 1]).toContain(outcome.status);
  }, SLOW);

  test.each(files)('%s is formatted as the Move plugin prints it', (path) => {
    expect(check(path).status).toBe(0);
  }, SLOW);
});

describe('the parse check can fail', () => {
  test('well-formed Move passes', () => {
    const outcome = formatSnippet('module daas::snippet;\n\npublic fun f(x: u64): u64 {\n    x + 1\n}\n');
    expect(outcome.status).toBe(0);
  }, SLOW);

  test.each([
    ['an unclosed parameter list', 'module daas::snippet;\n\npublic fun f(x: u64 {\n    x\n}\n'],
    ['a missing closing brace', 'module daas::snippet;\n\npublic fun f(x: u64): u64 {\n    x + 1\n'],
    ['a dangling operator', 'module daas::snippet;\n\npublic fun f(x: u64): u64 {\n    x +\n}\n'],
    ['a misspelt keyword', 'module daas::snippet;\n\npublc fun f(x: u64): u64 {\n    x\n}\n'],
    ['a struct without braces', 'module daas::snippet;\n\npublic struct S has key id: UID\n'],
  ])('%s is a syntax error (exit 2)', (_what, text) => {
    const outcome = formatSnippet(text);
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toMatch(/tree-sitter failure/);
  }, SLOW);
});
