/**
 * Finding the SealBindings that name a node, from the informer cache this process already keeps for
 * the authn webhook (src/feeds/bindings.ts) — not one LIST per admission request, which anyone able to
 * send reviews could turn into load on the apiserver. While the cache may be out of date the lookup
 * throws, and the validators refuse as retryable (fail closed). Without a running informer
 * (kubernetes.watchBindings off) the live LIST by selectable field is the fallback.
 *
 * A miss for a Node CREATE waits briefly for the cache: a binding that turned Active a moment ago
 * must not be refused only because the watch event is a few milliseconds behind.
 */
import type { SealBinding } from '../k8s/sealbinding.ts';
import type { BindingSource } from '../feeds/bindings.ts';

export interface BindingLookupSource {
  index: Pick<BindingSource, 'allForNode' | 'onChange' | 'synced' | 'staleness'>;
  /** LIST bindings with `spec.nodeName=<nodeName>` from the apiserver (fallback without an informer). */
  listForNode(nodeName: string): Promise<SealBinding[]>;
}

const withInformer = (source: BindingLookupSource): boolean => source.index.staleness !== undefined && source.index.allForNode !== undefined;

export function bindingsForNode(source: BindingLookupSource): (nodeName: string) => Promise<SealBinding[]> {
  return async (nodeName) => {
    if (!withInformer(source)) return (await source.listForNode(nodeName)).filter((b) => b.spec?.nodeName === nodeName);
    const cached = source.index.allForNode?.(nodeName);
    if (!cached) throw new Error(`the SealBinding cache may be out of date (${source.index.staleness?.() ?? 'not listed'})`);
    return [...cached];
  };
}

/** Like bindingsForNode, but waits up to `waitMs` for an Active binding of the node to arrive. */
export function activeBindingsForNode(source: BindingLookupSource, waitMs = 2_000): (nodeName: string) => Promise<SealBinding[]> {
  const lookup = bindingsForNode(source);
  const hasActive = (list: SealBinding[]) => list.some((b) => b.status?.phase === 'Active');
  return async (nodeName) => {
    const first = await lookup(nodeName);
    if (hasActive(first) || !withInformer(source)) return first;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      const unsubscribe = source.index.onChange((changed) => {
        if (changed === nodeName && hasActive([...(source.index.allForNode?.(nodeName) ?? [])])) done();
      });
      function done(): void {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
    });
    return lookup(nodeName);
  };
}
