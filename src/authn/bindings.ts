/**
 * Where the authenticator looks up SealBindings for kubelet tokens: an in-memory index by node name,
 * kept current by an informer (list + watch) on the cluster-scoped CRD, and change notifications so
 * the decision cache can drop a node's entries the moment its binding changes.
 */
import { CustomObjectsApi, KubeConfig, makeInformer, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { SEALBINDING_GROUP, SEALBINDING_PLURAL, SEALBINDING_VERSION, type SealBinding } from '../k8s/sealbinding.ts';

export interface BindingSource {
  /** The one binding naming `node`; undefined when none — or several (ambiguous, so refused). */
  forNode(node: string): SealBinding | undefined;
  /** Calls `listener(nodeName)` after any binding for that node is added, changed or deleted. */
  onChange(listener: (nodeName: string) => void): () => void;
  /** Whether the initial list has arrived. */
  synced(): boolean;
}

/** The index itself; the informer feeds it, tests fill it directly. */
export class BindingIndex implements BindingSource {
  readonly #byNode = new Map<string, Map<string, SealBinding>>();
  readonly #listeners = new Set<(nodeName: string) => void>();
  #synced = false;

  forNode(node: string): SealBinding | undefined {
    const bindings = this.#byNode.get(node);
    if (!bindings || bindings.size !== 1) return undefined;
    return bindings.values().next().value;
  }

  onChange(listener: (nodeName: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  synced(): boolean {
    return this.#synced;
  }

  markSynced(): void {
    this.#synced = true;
  }

  upsert(binding: SealBinding): void {
    const name = binding.metadata.name ?? '';
    // nodeName is immutable, but an old copy under another node must not linger if it ever changes.
    for (const [node, bindings] of this.#byNode) {
      if (node !== binding.spec?.nodeName && bindings.delete(name)) this.#changed(node, bindings);
    }
    const node = binding.spec?.nodeName;
    if (typeof node !== 'string') return;
    let bindings = this.#byNode.get(node);
    if (!bindings) this.#byNode.set(node, (bindings = new Map()));
    bindings.set(name, binding);
    this.#changed(node, bindings);
  }

  remove(binding: SealBinding): void {
    const name = binding.metadata.name ?? '';
    for (const [node, bindings] of this.#byNode) if (bindings.delete(name)) this.#changed(node, bindings);
  }

  #changed(node: string, bindings: Map<string, SealBinding>): void {
    if (bindings.size === 0) this.#byNode.delete(node);
    for (const listener of this.#listeners) listener(node);
  }
}

export interface InformerBindings extends BindingSource {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const RESTART_DELAY_MS = 2_000;

/** A BindingSource fed by an informer on `sealbindings.daas.io`; restarts its watch after errors. */
export function informerBindings(kubeConfig: KubeConfig, onError: (error: unknown) => void = () => {}): InformerBindings {
  const index = new BindingIndex();
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  // The informer is typed with client-node's own object type (its metadata has Date fields); the
  // JSON it hands over is a SealBinding.
  // Synced means a list arrived: the informer's own `connect` fires before listing, and start()
  // resolves even when the list failed (e.g. the CRD is not installed yet).
  const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
    const result = (await api.listClusterCustomObject({ group: SEALBINDING_GROUP, version: SEALBINDING_VERSION, plural: SEALBINDING_PLURAL })) as KubernetesListObject<KubernetesObject>;
    setImmediate(() => index.markSynced()); // after the informer has applied the list
    return result;
  };
  const informer = makeInformer<KubernetesObject>(kubeConfig, `/apis/${SEALBINDING_GROUP}/${SEALBINDING_VERSION}/${SEALBINDING_PLURAL}`, list);
  const asBinding = (object: KubernetesObject): SealBinding => object as unknown as SealBinding;
  let stopped = false;
  informer.on('add', (object) => index.upsert(asBinding(object)));
  informer.on('update', (object) => index.upsert(asBinding(object)));
  informer.on('delete', (object) => index.remove(asBinding(object)));
  informer.on('error', (error) => {
    onError(error);
    if (!stopped) setTimeout(() => void informer.start().catch(onError), RESTART_DELAY_MS).unref();
  });
  return {
    forNode: (node) => index.forNode(node),
    onChange: (listener) => index.onChange(listener),
    synced: () => index.synced(),
    start: async () => {
      stopped = false;
      await informer.start();
    },
    stop: async () => {
      stopped = true;
      await informer.stop();
    },
  };
}
