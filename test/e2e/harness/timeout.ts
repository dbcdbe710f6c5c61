// The e2e project's per-test timeout. jest-circus ignores a project-level `testTimeout` (only the global one
// counts), so it is set here, from setupFilesAfterEnv, for e2e test files only.
import { jest } from '@jest/globals';

jest.setTimeout(300000);
