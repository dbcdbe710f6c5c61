// Namespaces for tests, each with its default ServiceAccount in place (pods cannot be created before it).
import { clients, uniqueName, waitFor } from './kube.ts';

export async function createNamespace(prefix = 'e2e', labels?: Record<string, string>): Promise<string> {
  const { core } = clients();
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name, ...(labels ? { labels } : {}) } } });
  await waitFor(`default ServiceAccount in ${name}`, () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(() => true),
  );
  return name;
}

/** A namespace enforcing Pod Security `restricted`, checked: a pod asking for root is refused there. */
export async function createRestrictedNamespace(prefix: string): Promise<string> {
  const name = await createNamespace(prefix, { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' });
  const root = { metadata: { name: 'root' }, spec: { containers: [{ name: 'c', image: 'x', securityContext: { runAsUser: 0 } }] } };
  const refused = await clients().core.createNamespacedPod({ namespace: name, body: root }).then(
    () => undefined,
    (error: unknown) => String(error),
  );
  if (!refused || !/violates PodSecurity .*restricted:latest/.test(refused)) throw new Error(`namespace ${name} does not enforce restricted: ${refused ?? 'a root pod was admitted'}`);
  return name;
}

/** Deletes the namespace without waiting for its contents to go (the cluster is thrown away after the run). */
export async function deleteNamespace(name: string): Promise<void> {
  await clients().core.deleteNamespace({ name });
}
