/**
 * The pure part of `daas-auth kubeconfig`: merging a user (an exec plugin), optionally a cluster, and
 * a context into a kubeconfig object, refusing to replace an entry of the same name that differs
 * unless forced. No I/O here (commands/kubeconfig.ts reads and writes the file).
 */
export interface NamedEntry {
  name: string;
  [key: string]: unknown;
}

export interface KubeconfigDoc {
  apiVersion?: string;
  kind?: string;
  clusters?: NamedEntry[];
  users?: NamedEntry[];
  contexts?: NamedEntry[];
  'current-context'?: string;
  [key: string]: unknown;
}

export interface ExecUserSpec {
  /** Absolute path of the executable kubectl runs. */
  command: string;
  args: string[];
  env?: { name: string; value: string }[];
}

export interface MergeRequest {
  user: { name: string; exec: ExecUserSpec };
  /** A cluster entry to write; absent when the context reuses an existing cluster entry. */
  cluster?: { name: string; server: string; certificateAuthority?: string; insecureSkipTlsVerify?: boolean };
  context: { name: string; cluster: string; namespace?: string };
  setCurrent: boolean;
  force: boolean;
}

export class MergeConflict extends Error {}

/** The exec user entry kubectl reads (client.authentication.k8s.io/v1). */
export function execUser(spec: ExecUserSpec): Record<string, unknown> {
  return {
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: spec.command,
      args: spec.args,
      ...(spec.env?.length ? { env: spec.env } : {}),
      interactiveMode: 'Never',
      provideClusterInfo: false,
    },
  };
}

export function mergeKubeconfig(doc: KubeconfigDoc, request: MergeRequest): KubeconfigDoc {
  const out: KubeconfigDoc = { apiVersion: 'v1', kind: 'Config', ...doc };
  out.users = upsert(out.users, { name: request.user.name, user: execUser(request.user.exec) }, 'user', request.force);
  if (request.cluster) {
    const { name, server, certificateAuthority, insecureSkipTlsVerify } = request.cluster;
    const cluster = { server, ...(certificateAuthority ? { 'certificate-authority': certificateAuthority } : {}), ...(insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}) };
    out.clusters = upsert(out.clusters, { name, cluster }, 'cluster', request.force);
  } else if (!(out.clusters ?? []).some((c) => c.name === request.context.cluster)) {
    throw new MergeConflict(`the kubeconfig has no cluster named ${request.context.cluster}`);
  }
  const context = { cluster: request.context.cluster, user: request.user.name, ...(request.context.namespace ? { namespace: request.context.namespace } : {}) };
  out.contexts = upsert(out.contexts, { name: request.context.name, context }, 'context', request.force);
  if (request.setCurrent || !out['current-context']) out['current-context'] = request.context.name;
  return out;
}

/** Adds `entry`, or replaces one of the same name when identical or forced. */
function upsert(list: NamedEntry[] | undefined, entry: NamedEntry, what: string, force: boolean): NamedEntry[] {
  const entries = [...(list ?? [])];
  const index = entries.findIndex((e) => e.name === entry.name);
  if (index < 0) return [...entries, entry];
  if (!force && JSON.stringify(entries[index]) !== JSON.stringify(entry)) {
    throw new MergeConflict(`the kubeconfig already has a different ${what} named ${entry.name}: pass --force to replace it`);
  }
  entries[index] = entry;
  return entries;
}

/** The cluster entry name of a context (`--from-context`, else the current one). */
export function clusterOfContext(doc: KubeconfigDoc, contextName: string | undefined): string {
  const name = contextName ?? doc['current-context'];
  if (!name) throw new MergeConflict('the kubeconfig has no current context: pass --server (and --certificate-authority) or --from-context');
  const context = (doc.contexts ?? []).find((c) => c.name === name);
  const cluster = (context?.context as { cluster?: unknown } | undefined)?.cluster;
  if (typeof cluster !== 'string') throw new MergeConflict(`the kubeconfig has no context named ${name} with a cluster`);
  return cluster;
}
