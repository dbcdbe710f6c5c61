/**
 * `daas-auth --version`: the package version and the git commit it was built from. The single-file
 * binary has both baked in at build time (hack/build-bin.ts defines `__DAAS_BUILD__`); run from a
 * checkout or an npm install, the version comes from package.json and the commit from git, if any.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

declare const __DAAS_BUILD__: { version: string; commit: string } | undefined;

export interface BuildInfo {
  version: string;
  commit: string;
}

export function buildInfo(): BuildInfo {
  if (typeof __DAAS_BUILD__ !== 'undefined') return __DAAS_BUILD__;
  const root = new URL('../../', import.meta.url);
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // an unreadable package.json leaves "unknown"
  }
  return { version, commit: gitCommit(root) };
}

function gitCommit(root: URL): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function versionLine(info: BuildInfo = buildInfo()): string {
  return `daas-auth ${info.version} (commit ${info.commit})`;
}
