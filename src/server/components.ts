/**
 * What `daas-auth serve` runs, in start order. Each entry is one line; components own their code
 * (src/authn/component.ts, ...) and get the shared ServeContext.
 */
import type { ServeComponent } from './serve.ts';

export const SERVE_COMPONENTS: Array<() => Promise<ServeComponent>> = [
  async () => (await import('../authn/component.ts')).authnComponent,
  async () => (await import('../admission/component.ts')).admissionComponent,
  async () => (await import('../controller/component.ts')).controllerComponent,
  async () => (await import('../enclave/route/component.ts')).attestationComponent,
];
