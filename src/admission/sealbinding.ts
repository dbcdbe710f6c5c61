/**
 * SealBinding CREATE/UPDATE: what CEL cannot check. CEL (crds/sealbinding.yaml) already enforced the
 * formats and immutability before a webhook is called; they are re-checked here so a cluster without
 * the CRD's rules (or an older CRD) still cannot store a malformed binding.
 *
 * In order (docs/admission.md, docs/security.md, "Bindings, nodes and tier RBAC"):
 * - the node is not exempt (control-plane) by name;
 * - who asks: a staker (`sui:<addr>`) may create or change only bindings it owns; anyone else needs the
 *   operator grant (`bind-any-owner` on sealbindings.daas.io, a SubjectAccessReview);
 * - a staker's drainPolicy stays within the operator's limits;
 * - a new binding may not claim a Node that already exists (unless it is already bound to the same
 *   owner and stake) nor one with an exempt label; one binding per node;
 * - the stake record exists, is active, is a node stake of `owner` for `nodeName`, and the seal token
 *   (if any) belongs to that record and owner and has not expired — the one binding verdict of
 *   src/policy/binding.ts that the controller maps to phases, so admission and controller cannot disagree.
 *
 * An update that leaves `stakeRecord` and `sealToken` alone is not checked against the chain: editing
 * a drain policy must work while the chain is down or after the stake was slashed. A renewal (new
 * sealToken) is allowed for the node's rightful binding even while a later duplicate exists.
 */
import type { AdmissionRequest, AdmissionUserInfo } from '../k8s/admissionreview.ts';
import type { NodeLike } from '../k8s/objects.ts';
import { DRAIN_POLICY_DEFAULTS, rightfulBinding, type DrainPolicy, type SealBinding, type SealBindingSpec } from '../k8s/sealbinding.ts';
import type { ChainReaderPort } from '../chain/port.ts';
import { bindingVerdict, explainBindingVerdict } from '../policy/binding.ts';
import { isExemptNode } from '../policy/exemptions.ts';
import { isDns1123Subdomain, isSuiId } from '../policy/formats.ts';
import { USERNAME_PREFIX } from '../policy/identity.ts';
import type { AdmissionConfig, DrainPolicyLimits } from '../config/admission.ts';
import { ALLOW, refuse, unavailable, type AdmissionDecision } from './decision.ts';

export interface SealBindingValidatorDeps {
  chain: Pick<ChainReaderPort, 'getStakeRecords' | 'getSealTokens' | 'getEpoch'>;
  /** Every binding naming `nodeName` (the informer cache); throws when it cannot answer. */
  bindingsForNode(nodeName: string): Promise<readonly SealBinding[]>;
  /** The Node of that name, null when there is none. */
  getNode(nodeName: string): Promise<NodeLike | null>;
  /** Whether `user` holds the operator grant (bind-any-owner); throws when it cannot be asked. */
  mayBindAnyOwner(user: AdmissionUserInfo, bindingName: string): Promise<boolean>;
  exemptions: Pick<AdmissionConfig, 'exemptNodeNames' | 'exemptNodeLabels'>;
  drainLimits: DrainPolicyLimits;
}

function specOf(object: unknown): SealBindingSpec | string {
  const spec = (object as { spec?: Record<string, unknown> } | undefined)?.spec;
  if (!spec || typeof spec !== 'object') return 'spec is required';
  if (!isDns1123Subdomain(spec.nodeName)) return 'spec.nodeName must be a DNS-1123 subdomain';
  if (!isSuiId(spec.owner)) return 'spec.owner must be a Sui address (0x + 64 lowercase hex)';
  if (!isSuiId(spec.stakeRecord)) return 'spec.stakeRecord must be a Sui object id (0x + 64 lowercase hex)';
  if (spec.sealToken !== undefined && !isSuiId(spec.sealToken)) return 'spec.sealToken must be a Sui object id (0x + 64 lowercase hex)';
  return spec as unknown as SealBindingSpec;
}

/** The staker address a `sui:<addr>` requester authenticated as; undefined for anyone else. */
export function stakerAddress(user: AdmissionUserInfo): string | undefined {
  const name = user.username ?? '';
  const address = name.startsWith(USERNAME_PREFIX) ? name.slice(USERNAME_PREFIX.length) : '';
  return isSuiId(address) ? address : undefined;
}

/** Why a staker's own drain policy exceeds the operator's limits; undefined when it does not. */
export function drainPolicyViolation(policy: DrainPolicy | undefined, limits: DrainPolicyLimits): string | undefined {
  const grace = policy?.gracePeriodSeconds;
  if (grace !== undefined && grace < limits.minGracePeriodSeconds) {
    return `spec.drainPolicy.gracePeriodSeconds ${grace} is below the operator's limit of ${limits.minGracePeriodSeconds}`;
  }
  const deadline = policy?.deadlineSeconds ?? DRAIN_POLICY_DEFAULTS.deadlineSeconds;
  if (deadline < limits.minDeadlineSeconds) {
    return `spec.drainPolicy.deadlineSeconds ${deadline} is below the operator's limit of ${limits.minDeadlineSeconds}`;
  }
  if (policy?.forceAfterDeadline === true && !limits.allowForce) return "spec.drainPolicy.forceAfterDeadline is not allowed by the operator's limits";
  return undefined;
}

type Authority = { kind: 'owner' } | { kind: 'operator' } | { kind: 'refused'; decision: AdmissionDecision };

/** The owner acts for itself (capped); anyone else needs the operator grant (not capped). */
async function authorityOf(request: AdmissionRequest, spec: SealBindingSpec, name: string, deps: SealBindingValidatorDeps): Promise<Authority> {
  const staker = stakerAddress(request.userInfo);
  if (staker === spec.owner) return { kind: 'owner' };
  let granted: boolean;
  try {
    granted = await deps.mayBindAnyOwner(request.userInfo, name);
  } catch (error) {
    return { kind: 'refused', decision: unavailable(`cannot check the requester's permission (${(error as Error).message}); retry`) };
  }
  if (granted) return { kind: 'operator' };
  const who = request.userInfo.username ?? 'the requester';
  const message = staker
    ? `${who} may create or change only SealBindings it owns (spec.owner ${spec.owner} is another address)`
    : `${who} is not a staker of spec.owner ${spec.owner} and lacks the operator permission (verb bind-any-owner on sealbindings.daas.io)`;
  return { kind: 'refused', decision: refuse(message) };
}

async function verifyOnChain(spec: SealBindingSpec, chain: SealBindingValidatorDeps['chain']): Promise<AdmissionDecision> {
  let facts;
  try {
    const [records, tokens, epoch] = await Promise.all([
      chain.getStakeRecords([spec.stakeRecord]),
      spec.sealToken ? chain.getSealTokens([spec.sealToken]) : Promise.resolve(new Map()),
      chain.getEpoch(),
    ]);
    facts = { record: records.get(spec.stakeRecord) ?? null, token: spec.sealToken ? (tokens.get(spec.sealToken) ?? null) : undefined, epoch };
  } catch (error) {
    return unavailable(`cannot verify the stake on chain right now (${(error as Error).message}); retry`);
  }
  const verdict = bindingVerdict(spec, facts.record, facts.token, facts.epoch);
  if (verdict.kind === 'active') return ALLOW;
  // A binding may not be created on a token that is already gone: say so plainly, not "revoked".
  if (verdict.kind === 'token-revoked') return refuse(`seal token ${spec.sealToken} does not exist on chain`);
  return refuse(explainBindingVerdict(spec, verdict, facts.epoch));
}

async function lookup<T>(what: string, read: () => Promise<T>): Promise<T | AdmissionDecision> {
  try {
    return await read();
  } catch (error) {
    return unavailable(`cannot look up ${what} (${(error as Error).message}); retry`);
  }
}

const isDecision = (value: unknown): value is AdmissionDecision => typeof value === 'object' && value !== null && 'allowed' in value;

/** CREATE: the node must not be running unbound or exempt, and nobody else may hold it. */
async function checkNewBinding(spec: SealBindingSpec, name: string, deps: SealBindingValidatorDeps): Promise<AdmissionDecision | undefined> {
  const [node, bindings] = await Promise.all([
    lookup(`node ${spec.nodeName}`, () => deps.getNode(spec.nodeName)),
    lookup(`the SealBindings of node ${spec.nodeName}`, () => deps.bindingsForNode(spec.nodeName)),
  ]);
  if (isDecision(node)) return node;
  if (isDecision(bindings)) return bindings;
  if (node && isExemptNode(deps.exemptions, spec.nodeName, node.metadata?.labels)) {
    return refuse(`node ${spec.nodeName} is exempt (control-plane): a SealBinding may not name it`);
  }
  const sameStake = bindings.some((b) => b.spec?.owner === spec.owner && b.spec?.stakeRecord === spec.stakeRecord);
  if (node && !sameStake) {
    return refuse(`node ${spec.nodeName} already exists and is not bound to ${spec.owner} and stake ${spec.stakeRecord}; a binding cannot claim a running node`);
  }
  const other = bindings.find((b) => b.metadata.name !== name);
  if (other) return refuse(`node ${spec.nodeName} is already bound by SealBinding ${other.metadata.name}; one binding per node (delete it first)`, 409, 'AlreadyExists');
  return undefined;
}

/** A renewal: only the node's rightful binding (the oldest) may take a new seal token. */
async function checkRenewal(spec: SealBindingSpec, name: string, deps: SealBindingValidatorDeps): Promise<AdmissionDecision | undefined> {
  const bindings = await lookup(`the SealBindings of node ${spec.nodeName}`, () => deps.bindingsForNode(spec.nodeName));
  if (isDecision(bindings)) return bindings;
  const holder = rightfulBinding(bindings);
  if (holder && holder.metadata.name !== name) {
    return refuse(`node ${spec.nodeName} is held by SealBinding ${holder.metadata.name}; ${name} is a duplicate and cannot be renewed`, 409, 'AlreadyExists');
  }
  return undefined;
}

export async function validateSealBinding(request: AdmissionRequest, deps: SealBindingValidatorDeps): Promise<AdmissionDecision> {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return ALLOW;
  const spec = specOf(request.object);
  if (typeof spec === 'string') return refuse(spec, 422, 'Invalid');
  const name = (request.object as SealBinding).metadata?.name ?? request.name ?? '';
  const old = request.operation === 'UPDATE' ? specOf(request.oldObject) : undefined;
  if (old !== undefined && typeof old !== 'string') {
    for (const field of ['nodeName', 'owner', 'stakeRecord'] as const) {
      if (old[field] !== spec[field]) return refuse(`spec.${field} is immutable`, 422, 'Invalid');
    }
  }
  if (isExemptNode(deps.exemptions, spec.nodeName)) return refuse(`node ${spec.nodeName} is exempt (control-plane): a SealBinding may not name it`);

  const authority = await authorityOf(request, spec, name, deps);
  if (authority.kind === 'refused') return authority.decision;
  const policyChanged = typeof old !== 'object' || JSON.stringify(old.drainPolicy) !== JSON.stringify(spec.drainPolicy);
  const violation = authority.kind === 'owner' && policyChanged ? drainPolicyViolation(spec.drainPolicy, deps.drainLimits) : undefined;
  if (violation) return refuse(violation);

  if (typeof old === 'object' && old.sealToken === spec.sealToken) return ALLOW;
  const conflict = typeof old === 'object' ? await checkRenewal(spec, name, deps) : await checkNewBinding(spec, name, deps);
  return conflict ?? verifyOnChain(spec, deps.chain);
}
