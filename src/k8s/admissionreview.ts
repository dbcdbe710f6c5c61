/**
 * admission.k8s.io/v1 AdmissionReview: the wire types and a strict parser. Only v1 is accepted — the
 * ValidatingWebhookConfiguration asks for v1 alone — and anything that is not a well-formed review is
 * refused before any of it is looked at.
 */
import type { UserInfo } from './tokenreview.ts';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
const OPERATIONS: ReadonlySet<string> = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** The requester, as the apiserver reports it: the one UserInfo (./tokenreview.ts), each field optional on this wire. */
export type AdmissionUserInfo = Partial<UserInfo>;

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: AdmissionOperation;
  userInfo: AdmissionUserInfo;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
}

export interface AdmissionReview {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  request: AdmissionRequest;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason?: string; message: string };
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

export class AdmissionReviewError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, field: string, optional = false): string | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string') throw new AdmissionReviewError(`${field} must be a string`);
  return value;
}

function gv<K extends string>(value: unknown, field: string, last: K): Record<'group' | 'version' | K, string> {
  if (!isRecord(value)) throw new AdmissionReviewError(`${field} must be an object`);
  return {
    group: str(value.group, `${field}.group`) as string,
    version: str(value.version, `${field}.version`) as string,
    [last]: str(value[last], `${field}.${last}`) as string,
  } as Record<'group' | 'version' | K, string>;
}

/** Parses a request body into an AdmissionReview, or throws AdmissionReviewError (→ HTTP 400). */
export function parseAdmissionReview(body: unknown): AdmissionReview {
  if (!isRecord(body)) throw new AdmissionReviewError('body must be a JSON object');
  if (body.apiVersion !== ADMISSION_API_VERSION) throw new AdmissionReviewError(`apiVersion must be ${ADMISSION_API_VERSION}`);
  if (body.kind !== 'AdmissionReview') throw new AdmissionReviewError('kind must be AdmissionReview');
  const request = body.request;
  if (!isRecord(request)) throw new AdmissionReviewError('request must be an object');
  const uid = str(request.uid, 'request.uid') as string;
  if (uid.length === 0 || uid.length > 128) throw new AdmissionReviewError('request.uid must be 1..128 characters');
  const operation = str(request.operation, 'request.operation') as string;
  if (!OPERATIONS.has(operation)) throw new AdmissionReviewError('request.operation is not a known operation');
  const userInfo = request.userInfo === undefined ? {} : request.userInfo;
  if (!isRecord(userInfo)) throw new AdmissionReviewError('request.userInfo must be an object');
  const parsed: AdmissionRequest = {
    uid,
    kind: gv(request.kind, 'request.kind', 'kind'),
    resource: gv(request.resource, 'request.resource', 'resource'),
    operation: operation as AdmissionOperation,
    userInfo: userInfo as AdmissionUserInfo,
  };
  const subResource = str(request.subResource, 'request.subResource', true);
  if (subResource) parsed.subResource = subResource;
  const name = str(request.name, 'request.name', true);
  if (name !== undefined) parsed.name = name;
  const namespace = str(request.namespace, 'request.namespace', true);
  if (namespace !== undefined) parsed.namespace = namespace;
  if (request.object !== undefined && request.object !== null) parsed.object = request.object;
  if (request.oldObject !== undefined && request.oldObject !== null) parsed.oldObject = request.oldObject;
  if (request.dryRun === true) parsed.dryRun = true;
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', request: parsed };
}

export function allow(uid: string, warnings?: string[]): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response: { uid, allowed: true, ...(warnings?.length ? { warnings } : {}) } };
}

/** A refusal kubectl shows as `admission webhook "<name>" denied the request: <message>`. */
export function deny(uid: string, message: string, code = 403, reason = 'Forbidden'): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response: { uid, allowed: false, status: { code, reason, message } } };
}
