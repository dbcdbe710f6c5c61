/**
 * Node CREATE: refused unless an Active SealBinding names the node, except for nodes the operator
 * exempts by name or label (control-plane nodes). Updates and deletes are not this webhook's business:
 * an existing node whose stake goes away is the controller's (cordon, taint, drain).
 */
import type { AdmissionRequest } from '../k8s/admissionreview.ts';
import type { NodeLike } from '../k8s/objects.ts';
import type { SealBinding } from '../k8s/sealbinding.ts';
import { isExemptNode } from '../policy/exemptions.ts';
import type { AdmissionConfig } from '../config/admission.ts';
import { ALLOW, refuse, unavailable, type AdmissionDecision } from './decision.ts';

export interface NodeValidatorDeps {
  config: Pick<AdmissionConfig, 'exemptNodeNames' | 'exemptNodeLabels'>;
  /** Bindings naming the node; the lookup may answer from a cache but must confirm a miss live. */
  bindingsForNode(nodeName: string): Promise<SealBinding[]>;
}

export async function validateNodeCreate(request: AdmissionRequest, deps: NodeValidatorDeps): Promise<AdmissionDecision> {
  if (request.operation !== 'CREATE') return ALLOW;
  const node = request.object as NodeLike | undefined;
  const name = node?.metadata?.name ?? request.name ?? '';
  if (!name) return refuse('node has no name', 422, 'Invalid');
  if (isExemptNode(deps.config, name, node?.metadata?.labels)) return ALLOW;
  let bindings: SealBinding[];
  try {
    bindings = await deps.bindingsForNode(name);
  } catch (error) {
    return unavailable(`cannot look up the SealBinding for node ${name} (${(error as Error).message}); retry`);
  }
  if (bindings.some((b) => b.status?.phase === 'Active')) return ALLOW;
  const hint = `create one with: daas-auth binding create --node ${name} --stake-record <id>`;
  if (bindings.length === 0) return refuse(`node ${name} has no SealBinding; ${hint}`);
  const b = bindings[0] as SealBinding;
  return refuse(`node ${name} has no Active SealBinding: SealBinding ${b.metadata.name} is ${b.status?.phase ?? 'Pending'}`);
}
