// Namespaces for tests, each with its default ServiceAccount in place (pods cannot be created before it).
import { clients, uniqueName, waitFor } from './kube.ts';

export async function createNamespace(prefix = 'e2e'): Promise<string> {
  const { core } = clients();
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name } } });
  await waitFor(`default ServiceAccount in ${name}`, () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(() => true),
  );
  return name;
}

/** Deletes the namespace without waiting for its contents to go (the cluster is thrown away after the run). */
export async function deleteNamespace(name: string): Promise<void> {
  await clients().core.deleteNamespace({ name });
}
