/**
 * The operator grant (BIND_ANY_OWNER below) asked of kube-apiserver's authorizer through a
 * SubjectAccessReview for the requester of an AdmissionReview, so RBAC — not daas-auth's config —
 * decides who may bind nodes for other owners. The webhook's own identity needs
 * `create subjectaccessreviews.authorization.k8s.io` (deploy/rbac/bindings.yaml).
 */
import type { AdmissionUserInfo } from '../k8s/admissionreview.ts';
import type { KubeRest } from '../k8s/rest.ts';

/**
 * The operator grant: creating, renewing or changing a binding owned by someone else needs
 * `kubectl auth can-i bind-any-owner sealbindings.daas.io` (deploy/rbac/bindings.yaml grants it to
 * the `daas:binding-operators` group).
 */
export const BIND_ANY_OWNER = { group: 'daas.io', resource: 'sealbindings', verb: 'bind-any-owner' } as const;

const SAR_PATH = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

/** The SubjectAccessReview body asking whether `user` may bind-any-owner `name` (pure; tested). */
export function bindAnyOwnerReview(user: AdmissionUserInfo, name: string): Record<string, unknown> {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: user.username ?? '',
      ...(user.uid ? { uid: user.uid } : {}),
      groups: user.groups ?? [],
      ...(user.extra ? { extra: user.extra } : {}),
      resourceAttributes: { group: BIND_ANY_OWNER.group, resource: BIND_ANY_OWNER.resource, verb: BIND_ANY_OWNER.verb, ...(name ? { name } : {}) },
    },
  };
}

export function subjectAccessReviewGrant(rest: KubeRest): (user: AdmissionUserInfo, name: string) => Promise<boolean> {
  return async (user, name) => {
    if (!user.username) return false;
    const answer = await rest.request<{ status?: { allowed?: boolean; denied?: boolean } }>('POST', SAR_PATH, { body: bindAnyOwnerReview(user, name) });
    return answer.status?.allowed === true && answer.status.denied !== true;
  };
}
