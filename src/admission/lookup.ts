/**
 * Finding the SealBindings that name a node. Live reads use the CRD's selectable field
 * (`fieldSelector=spec.nodeName=<node>`), so they cost one small LIST however many bindings exist.
 * Node admission may answer an Active hit from the controller's informer cache, but confirms every
 * miss live: a binding that turned Active a moment ago must not be refused because a cache lags.
 */
import type { SealBinding } from '../k8s/sealbinding.ts';

export interface BindingSource {
  /** LIST bindings with `spec.nodeName=<nodeName>` from the apiserver. */
  listForNode(nodeName: string): Promise<SealBinding[]>;
  /** What an informer in this process holds for the node, if one runs. */
  cachedForNode?(nodeName: string): readonly SealBinding[];
}

export function liveBindingsForNode(source: BindingSource): (nodeName: string) => Promise<SealBinding[]> {
  return async (nodeName) => (await source.listForNode(nodeName)).filter((b) => b.spec?.nodeName === nodeName);
}

export function cachedThenLiveBindingsForNode(source: BindingSource): (nodeName: string) => Promise<SealBinding[]> {
  const live = liveBindingsForNode(source);
  return async (nodeName) => {
    const hits = (source.cachedForNode?.(nodeName) ?? []).filter((b) => b.spec?.nodeName === nodeName);
    if (hits.some((b) => b.status?.phase === 'Active')) return hits;
    return live(nodeName);
  };
}
