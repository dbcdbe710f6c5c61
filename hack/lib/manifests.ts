// Applying the project's manifests to a test-bed cluster with its own kubectl.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChecked } from './run.ts';

export const CRDS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds');

/** What applying needs of a cluster (a ClusterInfo has it). */
export interface KubectlTarget {
  kubeconfig: string;
  binaries: { kubectl: string };
}

function kubectl(c: KubectlTarget, args: string[]) {
  return runChecked(c.binaries.kubectl, [`--kubeconfig=${c.kubeconfig}`, ...args]);
}

/** Server-side apply of YAML/JSON files (idempotent, so re-running is harmless). */
export async function applyFiles(c: KubectlTarget, files: readonly string[]): Promise<void> {
  if (files.length === 0) return;
  await kubectl(c, [
    'apply',
    '--server-side',
    '--field-manager=daas-auth-hack',
    ...files.flatMap((f) => ['-f', f]),
  ]);
}

/** Installs every CRD in crds/ and waits until the apiserver serves them. Returns the files applied. */
export async function installCrds(c: KubectlTarget, dir = CRDS_DIR): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .map((f) => join(dir, f));
  await applyFiles(c, files);
  if (files.length > 0) {
    await kubectl(c, [
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      ...files.flatMap((f) => ['-f', f]),
    ]);
  }
  return files;
}
