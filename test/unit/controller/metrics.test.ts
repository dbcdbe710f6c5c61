import { Registry } from 'prom-client';
import { countExpiringSoon, createControllerMetrics } from '../../../src/controller/metrics.ts';
import type { SealBinding } from '../../../src/k8s/sealbinding.ts';
import { createAdmissionMetrics } from '../../../src/admission/metrics.ts';

describe('controller and admission metrics', () => {
  test('bindings by phase, cordoned/draining nodes, evictions by result, reconcile latency, leader', async () => {
    const registry = new Registry();
    const m = createControllerMetrics(registry);
    m.setBindingPhases(new Map([['Active', 3], ['Slashed', 1]]));
    m.setNodes(1, 1);
    m.eviction('evicted');
    m.eviction('evicted');
    m.eviction('blocked');
    m.observeReconcile(0.02, 'ok');
    m.setLeader(true);
    const text = await registry.metrics();
    expect(text).toContain('daas_auth_sealbindings{phase="Active"} 3');
    expect(text).toContain('daas_auth_sealbindings{phase="Slashed"} 1');
    expect(text).toContain('daas_auth_sealbindings{phase="Expired"} 0');
    expect(text).toContain('daas_auth_nodes_cordoned 1');
    expect(text).toContain('daas_auth_nodes_draining 1');
    expect(text).toContain('daas_auth_evictions_total{result="evicted"} 2');
    expect(text).toContain('daas_auth_evictions_total{result="blocked"} 1');
    expect(text).toContain('daas_auth_controller_reconcile_duration_seconds_count{result="ok"} 1');
    expect(text).toContain('daas_auth_controller_leader 1');
    m.setBindingPhases(new Map());
    expect(await registry.metrics()).toContain('daas_auth_sealbindings{phase="Active"} 0');
  });

  test('bindings expiring soon: Active with Ready=True/ExpiringSoon, counted and exported', async () => {
    const binding = (phase: string, reason: string) =>
      ({ status: { phase, conditions: [{ type: 'Ready', status: phase === 'Active' ? 'True' : 'False', reason }] } }) as unknown as SealBinding;
    const bindings = [binding('Active', 'ExpiringSoon'), binding('Active', 'StakeActive'), binding('Expired', 'SealTokenExpired'), binding('Active', 'ExpiringSoon')];
    expect(countExpiringSoon(bindings)).toBe(2);
    expect(countExpiringSoon([])).toBe(0);
    const registry = new Registry();
    const m = createControllerMetrics(registry);
    expect(await registry.metrics()).toContain('daas_auth_sealbindings_expiring_soon 0');
    m.setExpiringSoon(countExpiringSoon(bindings));
    expect(await registry.metrics()).toContain('daas_auth_sealbindings_expiring_soon 2');
  });

  test('admission decisions by resource and result', async () => {
    const registry = new Registry();
    createAdmissionMetrics(registry).decision('node', 'denied');
    expect(await registry.metrics()).toContain('daas_auth_admission_total{resource="node",result="denied"} 1');
  });
});
