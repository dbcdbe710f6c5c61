// A kube-proxy stand-in for one Service: the test bed has no kube-proxy, and Kubernetes refuses loopback
// addresses in Endpoints/EndpointSlices, so a Service whose pods live at loopback addresses (kwok's, see
// hack/lib/components.ts) has no endpoints. kube-apiserver dials a Service webhook at its ClusterIP (also
// loopback here); this listens on ClusterIP:port and forwards each connection, as kube-proxy's rules would, to
// a Ready pod the Service selects, at the targetPort (a number, or a container port's name). Bytes are relayed
// untouched: TLS ends at the pod's process.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { V1Pod, V1ServicePort } from '@kubernetes/client-node';
import { clients } from './kube.ts';

export interface ServiceProxy {
  clusterIP: string;
  /** Connections forwarded, by pod name. */
  forwarded: Map<string, number>;
  stop(): Promise<void>;
}

function ready(pod: V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function targetPort(pod: V1Pod, port: V1ServicePort): number | undefined {
  const t = port.targetPort ?? port.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === t) return p.containerPort;
  return undefined;
}

export interface ProxyOptions {
  /** How to reach a pod's address (default: dial it); a real node's pods are reached through its relay. */
  dial?: (podIP: string, port: number) => Socket | Promise<Socket>;
}

export async function proxyService(namespace: string, name: string, options: ProxyOptions = {}): Promise<ServiceProxy> {
  const dial = options.dial ?? ((host: string, port: number): Socket | Promise<Socket> => connect({ host, port }));
  const { core } = clients();
  const svc = await core.readNamespacedService({ name, namespace });
  const clusterIP = svc.spec?.clusterIP;
  const selector = svc.spec?.selector ?? {};
  if (!clusterIP || clusterIP === 'None') throw new Error(`service ${namespace}/${name} has no ClusterIP`);
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const forwarded = new Map<string, number>();
  let next = 0;
  const servers: Server[] = [];
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  };
  for (const port of svc.spec?.ports ?? []) {
    const server = createServer((client: Socket) => {
      track(client);
      client.pause();
      void core.listNamespacedPod({ namespace, labelSelector }).then(
        async (list) => {
          const pods = list.items.filter(ready);
          const pod = pods[next++ % Math.max(pods.length, 1)];
          const to = pod && targetPort(pod, port);
          if (!pod?.status?.podIP || !to) return client.destroy();
          forwarded.set(pod.metadata!.name!, (forwarded.get(pod.metadata!.name!) ?? 0) + 1);
          let upstream: Socket;
          try {
            upstream = await dial(pod.status.podIP, to);
          } catch {
            return client.destroy();
          }
          track(upstream);
          upstream.on('error', () => client.destroy());
          client.on('error', () => upstream.destroy());
          client.pipe(upstream).pipe(client);
          client.resume();
        },
        () => client.destroy(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: clusterIP, port: port.port }, () => resolve());
    });
    servers.push(server);
  }
  return {
    clusterIP,
    forwarded,
    stop: async () => {
      for (const s of open) s.destroy(); // kube-apiserver keeps connections alive; close() would wait for them
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
