/**
 * Every command × bad input, through the real CLI — the single-file binary, built here from the
 * current sources (it starts in a tenth of the time the TypeScript sources take) — in a child process: an unknown flag, each required
 * option missing, a refused --output, a missing --config, malformed ids and addresses, negative, huge
 * and non-numeric amounts, and a stopped chain. Each must give exactly one line on stderr naming the
 * problem, nothing on stdout, a non-zero exit, and never a stack trace. The command list comes from the
 * families themselves (every leaf command they register), so a new command is in the table at once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { buildBinary } from '../../../hack/build-bin.ts';
import { FAMILIES } from '../../../src/cli/families.ts';

const ID = `0x${'ab'.repeat(32)}`;
const KEY = Ed25519Keypair.generate().getSecretKey();
/** Building the binary, and a hundred runs of it on a loaded 2-core machine. */
const SLOW = 240_000;

let dir: string;
let binary: string;
let deadNetwork: string;
let deadUrl: string;

interface Leaf {
  path: string[];
  required: string[];
  args: number;
}

/** Every runnable command: its words, its mandatory options, its number of required arguments. */
async function leaves(): Promise<Leaf[]> {
  const program = new Command();
  for (const family of FAMILIES) (await family.load()).register(program);
  const out: Leaf[] = [];
  const walk = (cmd: Command, path: string[]) => {
    const subs = cmd.commands;
    const runnable = (cmd as unknown as { _actionHandler: unknown })._actionHandler !== null;
    if (runnable && path.length > 0) {
      out.push({ path, required: cmd.options.filter((o) => o.mandatory).map((o) => o.long!), args: cmd.registeredArguments.filter((a) => a.required).length });
    }
    for (const sub of subs) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return out;
}

/** A well-formed value for each required option, so the one bad input is the only problem. */
const VALID: Record<string, string> = { '--stake-record': ID, '--seal-token': ID, '--admin-cap': ID, '--cluster': 'c1', '--sui': '1', '--url': 'https://x.example', '--node': 'n1', '--kind': 'user' };

function validArgs(leaf: Leaf, skip?: string): string[] {
  const options = leaf.required.filter((o) => o !== skip).flatMap((o) => [o, VALID[o] ?? 'x']);
  return [...leaf.path, ...Array.from({ length: leaf.args }, () => 'arg'), ...options];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(binary, args, { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs the cases two at a time (two cores), in order. */
async function runAll(cases: { args: string[]; env?: Record<string, string> }[]): Promise<Run[]> {
  const results: Run[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      results[i] = await cli(cases[i]!.args, cases[i]!.env);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

function expectOneLineError(run: Run, pattern: RegExp, code?: number): void {
  // Progress lines (`… stake: submitting the transaction`) are not errors.
  const lines = run.stderr.split('\n').filter((line) => line && !line.startsWith('… '));
  expect({ stdout: run.stdout, lines }).toEqual({ stdout: '', lines: [expect.stringMatching(/^daas-auth: /)] });
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  if (code === undefined) expect(run.code).not.toBe(0);
  else expect(run.code).toBe(code);
}

let all: Leaf[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daas-bad-input-'));
  binary = await buildBinary(join(dir, 'build'));
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  deadUrl = `http://127.0.0.1:${port}`;
  deadNetwork = join(dir, 'network.json');
  writeFileSync(deadNetwork, JSON.stringify({ rpcUrl: deadUrl, adminUrl: deadUrl, packageId: ID, poolId: ID, adminCapId: ID }));
  all = await leaves();
}, SLOW);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('finds every command of the table', () => {
  const names = all.map((l) => l.path.join(' '));
  for (const expected of ['token', 'stake', 'stake show', 'seal-token create', 'kubeconfig', 'whoami', 'keys list', 'keys new', 'serve', 'binding create']) {
    expect(names).toContain(expected);
  }
});

it('an unknown flag, a refused --output and a missing --config, on every command', async () => {
  const cases = all.flatMap((leaf) => [
    { args: [...validArgs(leaf), '--no-such-flag'], why: /unknown option '--no-such-flag'/ },
    { args: ['--output', 'yaml', ...validArgs(leaf)], why: /'yaml' is invalid\. Allowed choices are text, json/ },
    { args: ['--config', join(dir, 'missing.yaml'), ...validArgs(leaf)], why: /--config .*missing\.yaml: no such file/ },
  ]);
  const runs = await runAll(cases);
  runs.forEach((run, i) => {
    try {
      expectOneLineError(run, cases[i]!.why);
    } catch (error) {
      throw new Error(`daas-auth ${cases[i]!.args.join(' ')}: ${(error as Error).message}`, { cause: error });
    }
  });
}, SLOW);

it('each required option missing, on every command that has one', async () => {
  const cases = all.flatMap((leaf) => leaf.required.map((option) => ({ args: validArgs(leaf, option), why: new RegExp(`required option '${option} `) })));
  expect(cases.length).toBeGreaterThan(10);
  const runs = await runAll(cases);
  runs.forEach((run, i) => expectOneLineError(run, cases[i]!.why));
}, SLOW);

it.each([
  [['stake', '--sui', '-1', '--kind', 'user'], /--sui -1: the amount must be positive/],
  [['stake', '--sui', '1e9', '--kind', 'user'], /--sui: "1e9" is not an amount of SUI/],
  [['stake', '--sui', 'lots', '--kind', 'user'], /--sui: "lots" is not an amount of SUI/],
  [['stake', '--sui', '99999999999999', '--kind', 'user'], /--sui 99999999999999: more than the largest amount/],
  [['stake', '--sui', '0', '--kind', 'user'], /--sui: the amount must be more than 0 SUI/],
  [['top-up', '--stake-record', ID, '--sui', '-0.5'], /--sui -0.5: the amount must be positive/],
  [['sim', 'fund', ID, '--sui', '1.0000000001'], /--sui: "1.0000000001" is not an amount of SUI/],
  [['stake', '--sui', '1', '--kind', 'node', '--node', 'Bad_Name'], /--node Bad_Name is not a valid node name/],
  [['stake', '--sui', '1', '--kind', 'boss'], /--kind must be node, user or admin, not boss/],
  [['stake', 'show', '--stake-record', '0xzz'], /--stake-record 0xzz is not an object id/],
  [['unstake', '--stake-record', 'abc'], /--stake-record abc is not an object id/],
  [['slash', '--stake-record', ID, '--admin-cap', '12'], /--admin-cap 12 is not an object id/],
  [['seal-token', 'show', '--seal-token', ID.slice(0, 10) + 'g'], /--seal-token 0x\w+g is not an object id/],
  [['token', '--seal-token', 'nope', '--cluster', 'c1'], /--seal-token must be a SealToken object id/],
  [['token', '--seal-token', ID, '--cluster', 'c1', '--ttl', '5s'], /--ttl must be between 2m and 24h/],
  [['kubeconfig', '--seal-token', '0x12', '--cluster', 'c1'], /--seal-token 0x12 is not a SealToken object id/],
  [['binding', 'create', '--node', 'n1', '--stake-record', ID, '--owner', '0xnothex'], /--owner 0xnothex is not a Sui address/],
  [['sim', 'fund', 'alice'], /"alice" is not a Sui address/],
  [['sim', 'advance-epoch', '--count', '-3'], /--count must be a whole number/],
  [['--address', 'zz', 'whoami'], /--address zz is not a Sui address/],
  [['serve', '--cluster', 'c1', '--insecure-no-client-cert', '--port', '70000', '--tls-cert', 'a', '--tls-key', 'b'], /--port "70000" is not a port number/],
  [['serve', '--cluster', 'c1', '--insecure-no-client-cert', '--tls-cert', 'missing.pem', '--tls-key', 'b'], /--tls-cert .*missing\.pem: cannot read it \(ENOENT\)/],
  [['serve', '--cluster', 'c1', '--insecure-no-client-cert', '--host', 'not a host', '--tls-cert', 'a', '--tls-key', 'b'], /--host "not a host" is not an IP address or host name/],
])('%j: one line naming the problem', async (args, why) => {
  expectOneLineError(await cli(args, { DAAS_KEY: KEY }), why);
}, SLOW);

it('a stopped chain: one line, exit 2 (nothing is known to have happened)', async () => {
  const network = ['--network', deadNetwork];
  const cases = [
    ['stake', '--sui', '1', '--kind', 'user'],
    ['stake', 'show', '--stake-record', ID],
    ['top-up', '--stake-record', ID, '--sui', '1'],
    ['unstake', '--stake-record', ID],
    ['withdraw', '--stake-record', ID],
    ['slash', '--stake-record', ID],
    ['seal-token', 'create', '--stake-record', ID],
    ['seal-token', 'show', '--seal-token', ID],
    ['seal-token', 'revoke', '--seal-token', ID],
    ['whoami', '--check'],
    ['sim', 'fund', ID],
    ['sim', 'advance-epoch'],
  ].map((args) => ({ args: [...network, ...args], env: { DAAS_KEY: KEY } }));
  const runs = await runAll(cases);
  runs.forEach((run, i) => {
    try {
      expectOneLineError(run, /unreachable/, 2);
    } catch (error) {
      throw new Error(`daas-auth ${cases[i]!.args.join(' ')}: ${(error as Error).message}`, { cause: error });
    }
  });
}, SLOW);
