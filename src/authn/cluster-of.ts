/**
 * Which cluster sent a TokenReview (docs/design.md §3, issue 9 item 5). One webhook may serve several
 * clusters; a token is accepted only in a review from the cluster its `aud` names, so the cluster is
 * taken from what the caller cannot choose freely:
 *
 * - the subject CN of the client certificate the apiserver presented (verified against the client
 *   CA), matched against `clusters[].clientCommonNames`;
 * - or the path `/authenticate/<cluster id>` (the apiserver's webhook kubeconfig names it);
 * - or, when only one cluster is served, that one.
 *
 * A cluster that lists client certificate names is reached only with one of them, whatever the path.
 * Path and certificate must agree. Anything else is refused: the review cannot be placed.
 *
 * The certificate's CN is read once per TLS connection (server/peer.ts), so the warm path pays a
 * WeakMap and a Map lookup; results are one-element arrays made once per cluster,
 * handed to Authenticator.decide as its scope.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ClusterAudience } from '../token/verify.ts';
import { peerOf } from '../server/peer.ts';

export type ClusterScope = readonly [ClusterAudience];

/** The path that names a cluster: `/authenticate/<id>` (the id URI-encoded). */
export const clusterPath = (base: string, id: string): string => `${base}/${encodeURIComponent(id)}`;

export class ClusterResolver {
  readonly #byPath = new Map<string, ClusterScope>();
  readonly #byName = new Map<string, ClusterScope>();
  readonly #only: ClusterScope | undefined;

  readonly base: string;

  constructor(base: string, clusters: readonly ClusterAudience[]) {
    this.base = base;
    for (const cluster of clusters) {
      const scope: ClusterScope = [cluster];
      this.#byPath.set(clusterPath(base, cluster.id), scope);
      for (const name of cluster.clientCommonNames ?? []) this.#byName.set(name, scope);
    }
    this.#only = clusters.length === 1 ? [clusters[0]!] : undefined;
  }

  /** Every path this resolver answers for: the base and one per cluster. */
  get paths(): string[] {
    return [this.base, ...this.#byPath.keys()];
  }

  /** The reviewing cluster, or why the review cannot be placed. */
  resolve(req: IncomingMessage): ClusterScope | string {
    const byCert = this.#certScope(req.socket);
    const url = req.url ?? '';
    const byPath = url === this.base ? undefined : this.#byPath.get(pathOf(url));
    if (byPath && byCert && byPath !== byCert) return `the client certificate belongs to cluster ${byCert[0].id}, not ${byPath[0].id}`;
    const scope = byPath ?? byCert ?? this.#only;
    if (!scope) return `several clusters are served: send reviews to ${this.base}/<cluster id> or give each cluster clientCommonNames`;
    if (scope[0].clientCommonNames?.length && scope !== byCert) return `cluster ${scope[0].id} accepts reviews only with its apiserver's client certificate`;
    return scope;
  }

  #certScope(socket: Socket): ClusterScope | undefined {
    const cn = peerOf(socket).clientCn;
    return cn === undefined ? undefined : this.#byName.get(cn);
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
