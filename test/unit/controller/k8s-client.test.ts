import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest, KubeApiError } from '../../../src/k8s/rest.ts';
import { evictPod, listSealBindingsForNode, patchNode, patchSealBindingStatus, leaseClient } from '../../../src/k8s/api.ts';
import { EventRecorder, type CoreEvent } from '../../../src/k8s/events.ts';
import { pdbNameFromStatus } from '../../../src/controller/pdb.ts';

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  auth: string | undefined;
  body: unknown;
}

type Reply = (req: Seen) => { status: number; body?: unknown; lines?: unknown[] };

async function withApiserver(reply: Reply, run: (rest: KubeRest, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], auth: req.headers.authorization, body: text ? JSON.parse(text) : undefined };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status, { 'content-type': 'application/json' });
      if (r.lines) res.end(r.lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      else res.end(r.body === undefined ? '' : JSON.stringify(r.body));
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const rest = await KubeRest.fromKubeConfig(kc);
  try {
    await run(rest, seen);
  } finally {
    rest.close();
    server.close();
  }
}

describe('KubeRest and the API adapters', () => {
  test('patches name their content type; the bearer token from the kubeconfig is sent', async () => {
    await withApiserver(() => ({ status: 200, body: { metadata: { name: 'n1', resourceVersion: '2' } } }), async (rest, seen) => {
      await patchNode(rest, 'n1', { metadata: { resourceVersion: '1' }, spec: { unschedulable: true } });
      await patchSealBindingStatus(rest, 'b1', { phase: 'Active' });
      expect(seen[0]).toMatchObject({ method: 'PATCH', url: '/api/v1/nodes/n1', contentType: 'application/merge-patch+json', auth: 'Bearer secret-token' });
      expect(seen[0]?.body).toEqual({ metadata: { resourceVersion: '1' }, spec: { unschedulable: true } });
      expect(seen[1]).toMatchObject({ method: 'PATCH', url: '/apis/daas.io/v1alpha1/sealbindings/b1/status', contentType: 'application/merge-patch+json', body: { status: { phase: 'Active' } } });
    });
  });

  test('a 409 surfaces as KubeApiError with the Status', async () => {
    await withApiserver(() => ({ status: 409, body: { kind: 'Status', reason: 'Conflict', message: 'the object has been modified' } }), async (rest) => {
      const error = await patchNode(rest, 'n1', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeApiError);
      expect((error as KubeApiError).status).toBe(409);
      expect((error as KubeApiError).body?.reason).toBe('Conflict');
    });
  });

  test('eviction: policy/v1 body with a UID precondition; 429/404/409/500 classified', async () => {
    const tooMany = {
      kind: 'Status',
      code: 429,
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ type: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' }] },
    };
    const replies = [
      { status: 201, body: {} },
      { status: 429, body: tooMany },
      { status: 404, body: { reason: 'NotFound' } },
      { status: 409, body: { reason: 'Conflict', message: 'Precondition failed: UID in precondition: a, UID in object meta: b' } },
      { status: 500, body: { message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' } },
      { status: 503, body: { message: 'unavailable' } },
    ];
    let i = 0;
    await withApiserver(() => replies[i++]!, async (rest, seen) => {
      const ref = { namespace: 'app', name: 'web-0', uid: 'u-1' };
      const results = [];
      for (let n = 0; n < replies.length; n++) results.push(await evictPod(rest, ref, n === 0 ? 5 : undefined));
      expect(results.map((r) => r.result)).toEqual(['evicted', 'blocked', 'gone', 'gone', 'blocked', 'error']);
      expect(results[1]?.result === 'blocked' && pdbNameFromStatus(results[1].status)).toBe('web-pdb');
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/namespaces/app/pods/web-0/eviction', contentType: 'application/json' });
      expect(seen[0]?.body).toEqual({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-0', namespace: 'app' }, deleteOptions: { preconditions: { uid: 'u-1' }, gracePeriodSeconds: 5 } });
    });
  });

  test('lists follow continue tokens; the field selector reaches the server', async () => {
    await withApiserver((req) => {
      const url = new URL(req.url, 'http://x');
      if (!url.searchParams.get('continue')) return { status: 200, body: { metadata: { continue: 'next', resourceVersion: '5' }, items: [{ metadata: { name: 'a' }, spec: { nodeName: 'n1' } }] } };
      return { status: 200, body: { metadata: { resourceVersion: '6' }, items: [{ metadata: { name: 'b' }, spec: { nodeName: 'n1' } }] } };
    }, async (rest, seen) => {
      const items = await listSealBindingsForNode(rest, 'n1');
      expect(items.map((b) => b.metadata.name)).toEqual(['a', 'b']);
      expect(new URL(seen[0]!.url, 'http://x').searchParams.get('fieldSelector')).toBe('spec.nodeName=n1');
      expect(new URL(seen[1]!.url, 'http://x').searchParams.get('continue')).toBe('next');
    });
  });

  test('watch streams events line by line', async () => {
    await withApiserver(() => ({ status: 200, lines: [{ type: 'ADDED', object: { metadata: { name: 'a' } } }, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }] }), async (rest, seen) => {
      const events: string[] = [];
      const handle = rest.watch('/api/v1/nodes', { resourceVersion: '3', allowWatchBookmarks: true }, (e) => events.push(e.type));
      await handle.done;
      expect(events).toEqual(['ADDED', 'BOOKMARK']);
      const q = new URL(seen[0]!.url, 'http://x').searchParams;
      expect([q.get('watch'), q.get('resourceVersion'), q.get('allowWatchBookmarks')]).toEqual(['1', '3', 'true']);
    });
  });

  test('a watch refused at start rejects with the status', async () => {
    await withApiserver(() => ({ status: 410, body: { reason: 'Expired' } }), async (rest) => {
      await expect(rest.watch('/api/v1/nodes', {}, () => {}).done).rejects.toMatchObject({ status: 410 });
    });
  });

  test('lease client: 404 is null; replace is a PUT to the named lease', async () => {
    let n = 0;
    await withApiserver(() => (n++ === 0 ? { status: 404, body: {} } : { status: 200, body: { metadata: { name: 'l', namespace: 'ns' } } }), async (rest, seen) => {
      const client = leaseClient(rest);
      expect(await client.get('ns', 'l')).toBeNull();
      await client.replace({ metadata: { name: 'l', namespace: 'ns', resourceVersion: '4' }, spec: { holderIdentity: 'me' } });
      expect(seen[1]).toMatchObject({ method: 'PUT', url: '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l' });
    });
  });
});

describe('EventRecorder', () => {
  const ref = { apiVersion: 'daas.io/v1alpha1', kind: 'SealBinding', name: 'b1', uid: 'u1' };
  function sink() {
    const created: CoreEvent[] = [];
    const patched: Array<{ name: string; patch: unknown }> = [];
    return {
      created,
      patched,
      create: async (_ns: string, e: CoreEvent) => void created.push(e),
      patch: async (_ns: string, name: string, patch: unknown) => void patched.push({ name, patch }),
    };
  }

  test('a cluster-scoped object gets a core/v1 Event in default; repeats aggregate into count', async () => {
    let clock = Date.UTC(2030, 0, 1);
    const s = sink();
    const r = new EventRecorder({ sink: s, component: 'daas-auth-controller', instance: 'pod-1', now: () => clock });
    await r.record(ref, 'Warning', 'Slashed', 'stake slashed');
    clock += 1000;
    await r.record(ref, 'Warning', 'Slashed', 'stake slashed');
    await r.record(ref, 'Normal', 'Drained', 'done');
    expect(s.created).toHaveLength(2);
    expect(s.created[0]).toMatchObject({
      metadata: { namespace: 'default' },
      involvedObject: ref,
      reason: 'Slashed',
      type: 'Warning',
      count: 1,
      source: { component: 'daas-auth-controller', host: 'pod-1' },
      firstTimestamp: '2030-01-01T00:00:00Z',
    });
    expect(s.patched).toEqual([{ name: s.created[0]!.metadata.name, patch: { count: 2, lastTimestamp: '2030-01-01T00:00:01Z' } }]);
  });

  test('recording never throws, and a failed patch falls back to a new Event next time', async () => {
    const errors: unknown[] = [];
    let failPatch = true;
    const s = sink();
    const r = new EventRecorder({
      sink: { create: s.create, patch: async () => { if (failPatch) throw new Error('gone'); } },
      component: 'c',
      instance: 'i',
      onError: (e) => errors.push(e),
    });
    await r.record(ref, 'Normal', 'X', 'm');
    await r.record(ref, 'Normal', 'X', 'm');
    failPatch = false;
    await r.record(ref, 'Normal', 'X', 'm');
    expect(errors).toHaveLength(1);
    expect(s.created).toHaveLength(2);
  });
});

describe('EventRecorder names', () => {
  test('events in the same millisecond, and for objects of the same name, get distinct names', async () => {
    const names: string[] = [];
    const r = new EventRecorder({ sink: { create: async (_n, e) => void names.push(e.metadata.name), patch: async () => {} }, component: 'c', instance: 'i', now: () => 1 });
    await Promise.all([
      r.record({ apiVersion: 'daas.io/v1alpha1', kind: 'SealBinding', name: 'w1' }, 'Warning', 'Slashed', 'a'),
      r.record({ apiVersion: 'daas.io/v1alpha1', kind: 'SealBinding', name: 'w1' }, 'Warning', 'Cordoned', 'b'),
      r.record({ apiVersion: 'v1', kind: 'Node', name: 'w1' }, 'Warning', 'Cordoned', 'b'),
    ]);
    expect(new Set(names).size).toBe(3);
    expect(names.every((n) => /^w1\.[0-9a-f]+$/.test(n))).toBe(true);
  });
});

describe('EventRecorder backpressure', () => {
  test('beyond maxPending waiting events new ones are dropped; close() drops the rest', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const created: string[] = [];
    const r = new EventRecorder({
      sink: { create: async (_n, e) => { await gate; created.push(e.reason); }, patch: async () => {} },
      component: 'c', instance: 'i', concurrency: 1, maxPending: 2,
    });
    const ref = { apiVersion: 'v1', kind: 'Node', name: 'n' };
    const all = [r.record(ref, 'Normal', 'A', 'a'), r.record(ref, 'Normal', 'B', 'b'), r.record(ref, 'Normal', 'C', 'c')];
    expect(r.dropped).toBe(1);
    r.close();
    release();
    await Promise.all(all);
    expect(created).toEqual(['A']);
    expect(r.dropped).toBe(2);
  });
});
