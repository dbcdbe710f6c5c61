/**
 * The per-namespace RoleBindings that give stake tiers below the top one their grants (issue 9): the
 * ClusterRoles `daas:tier:<tier>` in deploy/rbac/tiers.yaml say what a tier may do, these bindings say
 * where — only in namespaces the operator lists, never a `kube-*` one. Pure, so `daas-auth binding
 * tier-rbac` prints it and a Helm chart can do the same with a `range` over a values list.
 */
import { TIER_GROUP_PREFIX } from '../policy/identity.ts';
import { isDns1123Label } from '../policy/formats.ts';

/** The tiers that get namespaced grants by default (the top tier, cluster-admin, is cluster-wide). */
export const NAMESPACED_TIERS = ['viewer', 'developer', 'admin'] as const;

export interface RoleBindingManifest {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  roleRef: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'ClusterRole'; name: string };
  subjects: Array<{ apiGroup: 'rbac.authorization.k8s.io'; kind: 'Group'; name: string }>;
}

/** Why a namespace may not carry tier grants; undefined when it may. */
export function namespaceProblem(namespace: string): string | undefined {
  if (!isDns1123Label(namespace)) return `${JSON.stringify(namespace)} is not a namespace name (DNS-1123 label)`;
  if (namespace.startsWith('kube-')) return `${namespace} is a system namespace; stake tiers get no grants there`;
  return undefined;
}

/** One RoleBinding per namespace and tier; throws on a bad or system namespace or tier name. */
export function tierRoleBindings(namespaces: readonly string[], tiers: readonly string[] = NAMESPACED_TIERS): RoleBindingManifest[] {
  if (namespaces.length === 0) throw new Error('name at least one namespace for the tier grants');
  for (const ns of namespaces) {
    const problem = namespaceProblem(ns);
    if (problem) throw new Error(problem);
  }
  for (const tier of tiers) if (!isDns1123Label(tier)) throw new Error(`${JSON.stringify(tier)} is not a tier name`);
  return [...new Set(namespaces)].flatMap((namespace) =>
    tiers.map((tier) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1' as const,
      kind: 'RoleBinding' as const,
      metadata: { name: `daas-tier-${tier}`, namespace, labels: { 'app.kubernetes.io/name': 'daas-auth', 'app.kubernetes.io/component': 'rbac-tiers' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io' as const, kind: 'ClusterRole' as const, name: `${TIER_GROUP_PREFIX}${tier}` },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io' as const, kind: 'Group' as const, name: `${TIER_GROUP_PREFIX}${tier}` }],
    })),
  );
}

/** A v1 List of them, for `kubectl apply -f -`. */
export function tierRoleBindingList(namespaces: readonly string[], tiers?: readonly string[]): { apiVersion: 'v1'; kind: 'List'; items: RoleBindingManifest[] } {
  return { apiVersion: 'v1', kind: 'List', items: tierRoleBindings(namespaces, tiers) };
}
