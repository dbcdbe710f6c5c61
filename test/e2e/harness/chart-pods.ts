// A pod of the chart, run the way its kubelet would run it, as a host process: kwok only pretends to run
// containers, so the test bed plays the kubelet's part for the pods that must do real work.
//
// From the live Pod object (as the chart's Deployment made it, admitted in its namespace): every volume the
// container mounts is written under a root directory at its mountPath — ConfigMaps and Secrets read from the
// apiserver, emptyDirs created, and the ServiceAccount volume (kube-api-access-*) filled with a TokenRequest
// token of the pod's own ServiceAccount, bound to the pod, plus the cluster CA. The container's args are the
// image's entrypoint's (`daas-auth`), with paths under a mountPath moved under the root; its env is resolved
// as the kubelet does (values, with `$(VAR)` references to earlier ones expanded, and fieldRefs from the Pod).
// The one addition: a kubeconfig with that token for the Kubernetes API, because a host process cannot use
// the fixed in-cluster paths.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { REPO_ROOT } from '../../../hack/cluster.ts';
import { isRunning, startDaemon, stopGroups } from '../../../hack/lib/procs.ts';
import { waitFor200 } from '../../../hack/lib/probe.ts';
import { clients } from './kube.ts';
import { e2eEnv } from './env.ts';
import { writeTokenKubeconfig } from './kubectl.ts';

export interface HostPod {
  name: string;
  podIP: string;
  port: number;
  root: string;
  log: string;
  pid: number;
  /** Absolute host path of a path inside the pod. */
  hostPath(path: string): string;
  stop(): Promise<void>;
}

/** A TokenRequest token of `serviceAccount` in `namespace`, bound to the pod when given. */
export async function serviceAccountToken(namespace: string, serviceAccount: string, pod?: V1Pod, seconds = 3600): Promise<string> {
  const r = await clients().core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: {
      spec: {
        audiences: e2eEnv().cluster.apiAudiences,
        expirationSeconds: seconds,
        ...(pod ? { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata!.name!, uid: pod.metadata!.uid! } } : {}),
      },
    },
  });
  const token = r.status?.token;
  if (!token) throw new Error(`no token for ServiceAccount ${namespace}/${serviceAccount}`);
  return token;
}

/** A kubeconfig holding only the run's cluster and `token` (0600). */
export function tokenKubeconfig(file: string, token: string): string {
  return writeTokenKubeconfig(file, e2eEnv().cluster, token);
}

function writeFile(path: string, data: string | Buffer, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data, { mode });
  chmodSync(path, mode);
}

async function materialise(pod: V1Pod, volume: V1Volume, dir: string): Promise<void> {
  const ns = pod.metadata!.namespace!;
  const { core } = clients();
  mkdirSync(dir, { recursive: true });
  const items = (all: Record<string, string>, list?: { key: string; path: string }[]) =>
    (list ?? Object.keys(all).map((key) => ({ key, path: key }))).map(({ key, path }) => {
      if (!(key in all)) throw new Error(`volume ${volume.name}: no key ${key}`);
      return { path, value: all[key]! };
    });
  if (volume.configMap) {
    const cm = await core.readNamespacedConfigMap({ name: volume.configMap.name!, namespace: ns });
    for (const { path, value } of items(cm.data ?? {}, volume.configMap.items)) writeFile(join(dir, path), value, 0o644);
  } else if (volume.secret) {
    const s = await core.readNamespacedSecret({ name: volume.secret.secretName!, namespace: ns });
    for (const { path, value } of items(s.data ?? {}, volume.secret.items)) writeFile(join(dir, path), Buffer.from(value, 'base64'), 0o600);
  } else if (volume.projected && volume.name.startsWith('kube-api-access-')) {
    writeFile(join(dir, 'token'), await serviceAccountToken(ns, pod.spec!.serviceAccountName!, pod), 0o600);
    writeFile(join(dir, 'ca.crt'), readFileSync(e2eEnv().cluster.caFile), 0o644);
    writeFile(join(dir, 'namespace'), ns, 0o644);
  } else if (!volume.emptyDir) {
    throw new Error(`volume ${volume.name}: this kubelet stand-in knows configMap, secret, emptyDir and the ServiceAccount volume`);
  }
}

function resolveEnv(pod: V1Pod, container: V1Container): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    'status.podIP': pod.status?.podIP,
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'spec.nodeName': pod.spec?.nodeName,
  };
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const field = e.valueFrom?.fieldRef?.fieldPath;
    const value = field !== undefined ? fields[field] : e.value === undefined ? undefined : expandDependent(e.value, env);
    if (value === undefined) throw new Error(`env ${e.name}: cannot resolve ${field ?? 'its value'}`);
    env[e.name] = value;
  }
  return env;
}

/** The kubelet's dependent variables: `$(NAME)` of an earlier env var becomes its value, `$$` a `$`; an unknown name stays as written. */
export function expandDependent(value: string, earlier: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) =>
    match === '$$' ? '$' : name !== undefined && Object.hasOwn(earlier, name) ? earlier[name]! : match,
  );
}

/**
 * Starts the pod's (only) container as a host process under `root`, and waits until its /readyz answers on
 * the pod's address.
 */
export async function startHostPod(pod: V1Pod, rootDir: string): Promise<HostPod> {
  const name = pod.metadata!.name!;
  const container = pod.spec!.containers[0]!;
  const podIP = pod.status?.podIP;
  if (!podIP) throw new Error(`pod ${name} has no address yet`);
  const root = join(rootDir, name);
  const mounts = container.volumeMounts ?? [];
  for (const m of mounts) {
    const volume = pod.spec!.volumes?.find((v) => v.name === m.name);
    if (!volume) throw new Error(`pod ${name}: no volume ${m.name}`);
    await materialise(pod, volume, join(root, m.mountPath));
  }
  const hostPath = (p: string) => (mounts.some((m) => p === m.mountPath || p.startsWith(`${m.mountPath}/`)) ? join(root, p) : p);
  const saMount = mounts.find((m) => m.name.startsWith('kube-api-access-'));
  if (!saMount) throw new Error(`pod ${name} mounts no ServiceAccount token`);
  const kubeconfig = tokenKubeconfig(join(root, 'kubeconfig'), readFileSync(join(root, saMount.mountPath, 'token'), 'utf8'));
  const port = container.ports?.find((p) => p.name === 'https')?.containerPort;
  if (!port) throw new Error(`pod ${name} has no https port`);
  const log = join(root, 'container.log');
  const pid = startDaemon({
    name,
    cmd: process.execPath,
    args: [join(REPO_ROOT, 'bin', 'daas-auth.js'), ...(container.args ?? []).map(hostPath)],
    log,
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: root, ...resolveEnv(pod, container), DAAS_KUBECONFIG: kubeconfig },
  });
  const stop = () => stopGroups([pid]);
  try {
    await waitFor200(`https://${podIP}:${port}/readyz`, { insecure: true }, {
      timeoutMs: 120_000,
      what: `pod ${name} (host process) /readyz`,
      check: () => {
        if (!isRunning(pid)) throw new Error(`pod ${name} exited:\n${readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')}`);
      },
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { name, podIP, port, root, log, pid, hostPath: (p) => join(root, p), stop };
}
