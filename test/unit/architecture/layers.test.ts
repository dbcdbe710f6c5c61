/**
 * The import-graph lint bites: hack/lint-imports.ts (what `npm run lint` runs after eslint) is run as a child
 * process on small src/ trees written to a temporary folder. A clean tree that uses every allowed kind of arrow
 * passes; each planted violation (an arrow up the layers, a sideways arrow between two components, product code
 * reaching into the sim, a cycle between sub-folders, a cycle between a file and the sub-folder beside it, a
 * folder outside the layer table) fails with its rule's name. The repository's own tree passes, with no baseline.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const LINT = join(REPO_ROOT, 'hack/lint-imports.ts');
/** A fresh Node process that loads TypeScript's parser on a loaded 2-core machine takes seconds. */
const SLOW = 60_000;

/** A tree that uses each allowed arrow: down the layers, config's sideways reads, the sim and its one door. */
const CLEAN: Record<string, string[]> = {
  'src/policy/tiers.ts': [],
  'src/token/parse.ts': [],
  'src/log/index.ts': [],
  'src/metrics/registry.ts': [],
  'src/chain/schema.ts': ['src/policy/tiers.ts', 'src/log/index.ts'],
  'src/k8s/objects.ts': ['src/policy/tiers.ts'],
  'src/config/schema.ts': ['src/chain/schema.ts', 'src/k8s/objects.ts'],
  'src/feeds/bindings.ts': ['src/k8s/objects.ts', 'src/metrics/registry.ts'],
  'src/server/host.ts': ['src/feeds/bindings.ts', 'src/config/schema.ts'],
  'src/authn/component.ts': ['src/server/host.ts', 'src/token/parse.ts'],
  'src/enclave/attestation/verify.ts': ['src/log/index.ts'],
  'src/enclave/route/component.ts': ['src/enclave/attestation/verify.ts', 'src/server/host.ts'],
  'src/cli/commands/serve.ts': ['src/authn/component.ts', 'src/enclave/route/component.ts'],
  'src/cli/commands/sim.ts': ['src/sim/index.ts'],
  'src/sim/types.ts': ['src/chain/schema.ts'],
  'src/sim/grpc/wire.ts': ['src/sim/types.ts'],
  'src/sim/txcodec.ts': ['src/sim/grpc/wire.ts'],
  'src/sim/exec/execute.ts': ['src/sim/grpc/wire.ts', 'src/enclave/attestation/verify.ts'],
  'src/sim/index.ts': ['src/sim/exec/execute.ts', 'src/sim/txcodec.ts'],
};

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'daas-layers-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes `files` (each importing its list) into a fresh folder and runs the lint there. */
async function lint(name: string, files: Record<string, string[]>): Promise<{ code: number; output: string }> {
  const dir = join(root, name);
  for (const [file, imports] of Object.entries(files)) {
    const at = join(dir, file);
    mkdirSync(dirname(at), { recursive: true });
    const lines = imports.map((to, i) => {
      const spec = relative(dirname(at), join(dir, to));
      return `import { x as x${i} } from '${spec.startsWith('.') ? spec : `./${spec}`}';`;
    });
    writeFileSync(at, `${lines.join('\n')}\nexport const x = [${imports.map((_, i) => `x${i}`).join(', ')}].length;\n`);
  }
  return run(['--root', dir]);
}

function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [LINT, ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

/** The clean tree with one file changed or added. */
const planted = (extra: Record<string, string[]>) => ({ ...CLEAN, ...extra });

describe('the import-graph lint', () => {
  it('passes a tree that keeps to the layer table', async () => {
    const { code, output } = await lint('clean', CLEAN);
    expect(output).toContain('no violations');
    expect(code).toBe(0);
  }, SLOW);

  it('fails an arrow up the layers: policy importing the server', async () => {
    const { code, output } = await lint('up', planted({ 'src/policy/tiers.ts': ['src/server/host.ts'] }));
    expect(code).toBe(1);
    expect(output).toMatch(/layer-policy: src\/policy\/tiers\.ts → src\/server\/host\.ts/);
  }, SLOW);

  it('fails a type-only arrow up the layers too', async () => {
    const dir = 'type-only';
    const { code: clean } = await lint(dir, CLEAN);
    expect(clean).toBe(0);
    writeFileSync(join(root, dir, 'src/k8s/objects.ts'), "import type { X } from '../server/host.ts';\nexport type Y = X;\n");
    writeFileSync(join(root, dir, 'src/server/host.ts'), 'export type X = number;\nexport const x = 1;\n');
    const { code, output } = await run(['--root', join(root, dir)]);
    expect(code).toBe(1);
    expect(output).toMatch(/layer-k8s: src\/k8s\/objects\.ts → src\/server\/host\.ts/);
  }, SLOW);

  it('fails a sideways arrow between two components', async () => {
    const { code, output } = await lint('sideways', planted({ 'src/authz/component.ts': ['src/authn/component.ts'] }));
    expect(code).toBe(1);
    expect(output).toMatch(/layer-authz: src\/authz\/component\.ts → src\/authn\/component\.ts/);
  }, SLOW);

  it('fails product code that reaches into the sim, and the sim reaching past its allowed rooms', async () => {
    const { code, output } = await lint(
      'sim',
      planted({ 'src/enclave/attestation/sui.ts': ['src/sim/types.ts'], 'src/sim/k8s-use.ts': ['src/k8s/objects.ts'] }),
    );
    expect(code).toBe(1);
    expect(output).toMatch(/sim-border: src\/enclave\/attestation\/sui\.ts → src\/sim\/types\.ts/);
    expect(output).toMatch(/sim-reach: src\/sim\/k8s-use\.ts → src\/k8s\/objects\.ts/);
  }, SLOW);

  it('fails a cycle between two sub-folders of one room', async () => {
    const { code, output } = await lint('subfolders', planted({ 'src/sim/grpc/errors.ts': ['src/sim/exec/execute.ts'] }));
    expect(code).toBe(1);
    expect(output).toContain('no-folder-cycle');
  }, SLOW);

  it('fails a cycle between a file and the sub-folder beside it (no module cycle involved)', async () => {
    const { code, output } = await lint('file-folder', planted({ 'src/sim/grpc/errors.ts': ['src/sim/txcodec.ts'] }));
    expect(code).toBe(1);
    expect(output).toMatch(/no-folder-cycle: .*src\/sim\/grpc\/errors\.ts → src\/sim\/txcodec\.ts/);
    expect(output).toMatch(/no-folder-cycle: .*src\/sim\/txcodec\.ts → src\/sim\/grpc\/wire\.ts/);
    expect(output).not.toContain('no-circular');
  }, SLOW);

  it('fails a module cycle', async () => {
    const { code, output } = await lint('modules', planted({ 'src/policy/a.ts': ['src/policy/b.ts'], 'src/policy/b.ts': ['src/policy/a.ts'] }));
    expect(code).toBe(1);
    expect(output).toContain('no-circular');
  }, SLOW);

  it('fails a room that is not in the layer table', async () => {
    const { code, output } = await lint('unknown', planted({ 'src/misc/util.ts': ['src/log/index.ts'] }));
    expect(code).toBe(1);
    expect(output).toContain('room-unknown: src/misc/util.ts');
  }, SLOW);

  it("passes the repository's own tree, with no baseline of known arrows", async () => {
    const { code, output } = await run([]);
    expect(output).toContain('no violations');
    expect(code).toBe(0);
  }, SLOW);
});
