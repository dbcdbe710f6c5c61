import express from 'express';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createApp } from '../../../src/server/app.ts';
import { createAdmissionRouter, ADMISSION_PATHS } from '../../../src/admission/router.ts';
import { loadConfig } from '../../../src/config/load.ts';

describe('admission on the shared server', () => {
  test('admission paths, like every webhook router, require the client certificate', async () => {
    const guarded = express.Router().post('/authenticate', (_req, res) => void res.json({ ok: true }));
    const admission = createAdmissionRouter({ validateSealBinding: async () => ({ allowed: true }), validateNode: async () => ({ allowed: true }) });
    const app = createApp({ routers: [guarded, admission], requireClientCert: true, metrics: new Registry() });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', kind: { group: '', version: 'v1', kind: 'Node' }, resource: { group: '', version: 'v1', resource: 'nodes' }, operation: 'CREATE' } };
    try {
      const admissionReply = await fetch(base + ADMISSION_PATHS.nodes, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(review) });
      expect(admissionReply.status).toBe(401);
      const closed = await fetch(`${base}/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(closed.status).toBe(401);
    } finally {
      server.close();
    }
  });

  test('config: admission and controller sections with defaults; bad exemptions refused', () => {
    const base = { clusters: [{ id: 'c1' }], server: { tlsCertFile: 'a', tlsKeyFile: 'b', clientCaFile: 'c' } };
    const config = loadConfig({ flags: base, env: {} });
    expect(config.admission).toEqual({
      enabled: true,
      exemptNodeNames: [],
      exemptNodeLabels: [{ key: 'node-role.kubernetes.io/control-plane' }],
      drainPolicyLimits: { minGracePeriodSeconds: 30, minDeadlineSeconds: 3600, allowForce: false },
      rateLimit: { perSecond: 50, burst: 100 },
    });
    expect(config.controller).toEqual({ enabled: true, leaseNamespace: 'kube-system', leaseName: 'daas-auth-controller', resyncMs: 60_000, expiringWithinEpochs: 1 });
    const custom = loadConfig({ flags: { ...base, admission: { exemptNodeNames: ['cp-*'], exemptNodeLabels: ['pool=infra'] }, controller: { resync: '30s' } }, env: {} });
    expect(custom.admission.exemptNodeLabels).toEqual([{ key: 'pool', value: 'infra' }]);
    expect(custom.controller.resyncMs).toBe(30_000);
    expect(() => loadConfig({ flags: { ...base, admission: { exemptNodeLabels: ['bad key'] } }, env: {} })).toThrow(/invalid label key/);
    expect(() => loadConfig({ flags: { ...base, controller: { bogus: 1 } }, env: {} })).toThrow(/invalid configuration/);
  });
});
