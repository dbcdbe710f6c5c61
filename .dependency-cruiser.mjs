// The layering of src/ (docs/architecture.md), held by `npm run lint` rather than by a comment.
// Rooms are the first-level folders of src/. An import may point to a lower layer or inside its own room;
// never up, never sideways between two rooms of one layer, never a cycle between folders (sub-folders too).
// Run by hack/lint-imports.ts (`npm run lint`), which also checks folder cycles inside a room;
// test/unit/architecture/layers.test.ts plants violations in small trees and sees them fail.

/** Layer of each room, low to high. A room missing here is itself a violation (rule `room-unknown`). */
const LAYERS = {
  // L0 pure rules (no I/O) and L0 infrastructure. The seal token format checks its claims with policy's
  // id and name formats, so it sits just above policy.
  policy: 0,
  token: 0.5,
  log: 0,
  metrics: 0,
  // L1 adapters: Sui, Kubernetes wire types and REST, configuration.
  chain: 1,
  k8s: 1,
  config: 1,
  // L2 per-process shared state handed out by the serve context.
  feeds: 2,
  // L3 the HTTP host: knows no component.
  server: 3,
  // L4 components: never import each other.
  authn: 4,
  authz: 4,
  admission: 4,
  controller: 4,
  enclave: 4,
  kms: 4,
  rbac: 4,
  doctor: 4,
  // L5 composition: the CLI and the serve command's component list.
  cli: 5,
};

/** Sideways arrows the table names: config may read chain and k8s types (never a component). */
const SIDEWAYS = { config: ['chain', 'k8s'] };

/** sui-sim is outside the layering: a development tool that may use these, and nothing else in src/. */
const SIM_MAY_IMPORT = ['policy', 'token', 'chain', 'log', 'metrics', 'enclave/attestation'];
/** The one product file allowed to reach the sim: the `daas-auth sim` command. */
const SIM_DOOR = 'src/cli/commands/sim\\.ts$';

const ROOMS = Object.keys(LAYERS);
const alt = (names) => `(${names.join('|')})`;

/** One rule per room: every room that is not lower (and not a named sideways exception) is forbidden. */
const layerRules = ROOMS.map((room) => {
  const allowed = new Set([room, ...(SIDEWAYS[room] ?? []), ...ROOMS.filter((r) => LAYERS[r] < LAYERS[room])]);
  const forbidden = ROOMS.filter((r) => !allowed.has(r));
  return {
    name: `layer-${room}`,
    severity: 'error',
    comment:
      `src/${room} is layer L${LAYERS[room]}: it may import only ` +
      `${[...allowed].filter((r) => r !== room).join(', ') || 'nothing outside itself'} (docs/architecture.md)`,
    from: { path: `^src/${room}/` },
    to: { path: `^src/${alt(forbidden)}/` },
  };
}).filter((rule) => !rule.to.path.endsWith('()/'));

export default {
  forbidden: [
    ...layerRules,
    {
      name: 'sim-border',
      severity: 'error',
      comment: 'sui-sim is a development tool: nothing in src/ imports it except src/cli/commands/sim.ts',
      from: { path: '^src/', pathNot: ['^src/sim/', SIM_DOOR] },
      to: { path: '^src/sim/' },
    },
    {
      name: 'sim-reach',
      severity: 'error',
      comment: `sui-sim may import only ${SIM_MAY_IMPORT.join(', ')} from the product`,
      from: { path: '^src/sim/' },
      to: { path: '^src/', pathNot: ['^src/sim/', ...SIM_MAY_IMPORT.map((r) => `^src/${r}/`)] },
    },
    {
      name: 'nsm-sim-door',
      severity: 'error',
      comment:
        'the simulated NSM is a development tool: only the attestation route loads it, when attestation.nsm is simulated',
      from: { path: '^src/', pathNot: ['^src/enclave/nsm-sim/', '^src/enclave/route/component\\.ts$'] },
      to: { path: '^src/enclave/nsm-sim/' },
    },
    {
      name: 'room-unknown',
      severity: 'error',
      comment: 'every file in src/ sits in a room of the layer table (.dependency-cruiser.mjs LAYERS, or sim)',
      from: { path: '^src/', pathNot: `^src/${alt([...ROOMS, 'sim'])}/` },
      to: {},
    },
    {
      name: 'no-test-code',
      severity: 'error',
      comment: 'product code never imports the test bed, tools or benchmarks',
      from: { path: '^src/' },
      to: { path: '^(test|hack|bench)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import cycle between modules',
      from: { path: '^src/' },
      to: { circular: true },
    },
    // Folder cycles: between two rooms the layer rules above already rule every cycle out (the allowed
    // arrows between rooms only go down, or config -> chain/k8s). Inside a room hack/lint-imports.ts checks
    // them (`no-folder-cycle`): dependency-cruiser's folder-scope rule cannot see a cycle between a file and
    // the sub-folder beside it, and its baseline cannot hold folder violations.
  ],
  options: {
    // Type-only imports are arrows too: a component may import the host's types, the host never a component's.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
    doNotFollow: { path: 'node_modules' },
  },
};
