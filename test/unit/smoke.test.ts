import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { KubeConfig } from '@kubernetes/client-node';
import { GrpcTypes } from '@mysten/sui/grpc';

test('runtime is Node 24 and ESM deps load', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  expect(Ed25519Keypair.generate().toSuiAddress()).toMatch(/^0x[0-9a-f]{64}$/);
  expect(new KubeConfig()).toBeDefined();
  expect(Object.keys(GrpcTypes).length).toBeGreaterThan(0);
});
