// Jest runs under the project's Node 24 (node_modules/.bin/node) with native ES modules.
// TypeScript is stripped by SWC; type checking is `npm run typecheck` (tsc), kept apart so tests stay fast.
const swc = ['@swc/jest', { jsc: { target: 'es2024', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
  // Run state (.daas: clusters' etcd data holds *.snap files) is not part of the code base.
  modulePathIgnorePatterns: ['<rootDir>/.daas/'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      // One real cluster per run (hack/cluster.ts); the first run also builds its binaries.
      globalSetup: '<rootDir>/test/e2e/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/harness/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/e2e/harness/timeout.ts'],
    },
  ],
};
