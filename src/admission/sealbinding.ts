/**
 * SealBinding CREATE/UPDATE: what CEL cannot check. CEL (crds/sealbinding.yaml) already enforced the
 * formats and immutability before a webhook is called; they are re-checked here so a cluster without
 * the CRD's rules (or an older CRD) still cannot store a malformed binding.
 *
 * - one binding per node;
 * - the stake record exists, is active, is a node stake of `owner` for `nodeName`, and the seal token
 *   (if any) belongs to that record and owner and has not expired — the same evaluation the controller
 *   applies (src/controller/phase.ts), so admission and controller cannot disagree.
 *
 * An update that leaves `stakeRecord` and `sealToken` alone is not checked against the chain: editing
 * a drain policy must work while the chain is down or after the stake was slashed.
 */
import type { AdmissionRequest } from '../k8s/admissionreview.ts';
import { isDns1123Subdomain, isSuiId, type SealBinding, type SealBindingSpec } from '../k8s/sealbinding.ts';
import type { ChainReaderPort } from '../controller/chain-port.ts';
import { evaluateBinding } from '../controller/phase.ts';
import { ALLOW, refuse, unavailable, type Decision } from './decision.ts';

export interface SealBindingValidatorDeps {
  chain: Pick<ChainReaderPort, 'getStakeRecords' | 'getSealTokens' | 'getEpoch'>;
  /** Every binding naming `nodeName`, read from the apiserver (not a cache: a duplicate must not slip in). */
  bindingsForNode(nodeName: string): Promise<SealBinding[]>;
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

async function verifyOnChain(spec: SealBindingSpec, chain: SealBindingValidatorDeps['chain']): Promise<Decision> {
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
  const evaluation = evaluateBinding(spec, facts);
  if (evaluation.phase === 'Active') return ALLOW;
  if (facts.token === null) return refuse(`seal token ${spec.sealToken} does not exist on chain`);
  return refuse(evaluation.message);
}

export async function validateSealBinding(request: AdmissionRequest, deps: SealBindingValidatorDeps): Promise<Decision> {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return ALLOW;
  const spec = specOf(request.object);
  if (typeof spec === 'string') return refuse(spec, 422, 'Invalid');
  const name = (request.object as SealBinding).metadata?.name ?? request.name;

  if (request.operation === 'UPDATE') {
    const old = specOf(request.oldObject);
    if (typeof old !== 'string') {
      for (const field of ['nodeName', 'owner', 'stakeRecord'] as const) {
        if (old[field] !== spec[field]) return refuse(`spec.${field} is immutable`, 422, 'Invalid');
      }
      if (old.sealToken === spec.sealToken) return ALLOW;
    }
  }

  const others = (await deps.bindingsForNode(spec.nodeName)).filter((b) => b.metadata.name !== name);
  if (others.length > 0) {
    return refuse(`node ${spec.nodeName} is already bound by SealBinding ${others[0]?.metadata.name}; one binding per node (delete it first)`, 409, 'AlreadyExists');
  }
  return verifyOnChain(spec, deps.chain);
}
