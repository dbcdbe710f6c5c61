/**
 * zkLogin signatures are verified by a full node (it knows the JWKs and the epoch), so the SDK needs
 * a client. This hands it one that goes through our ChainClient: failover, deadlines and the
 * daas_auth_chain_* metrics apply, and an unreachable chain surfaces as a transient failure.
 */
import type { ClientWithCoreApi } from '@mysten/sui/client';
import type { ChainClient } from '../chain/client.ts';

export function zkLoginVerifier(chain: ChainClient): ClientWithCoreApi {
  const core = {
    verifyZkLoginSignature: (options: Parameters<ClientWithCoreApi['core']['verifyZkLoginSignature']>[0]) =>
      chain.call('verifyZkLoginSignature', (client) => client.core.verifyZkLoginSignature(options)),
  };
  // The SDK's zkLogin path calls only core.verifyZkLoginSignature.
  return { core } as unknown as ClientWithCoreApi;
}
