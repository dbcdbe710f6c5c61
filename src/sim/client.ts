/**
 * A `SuiGrpcClient` for a sim's `rpcUrl`, over native gRPC (HTTP/2 plaintext on loopback) with
 * `@protobuf-ts/grpc-transport` — the same unmodified SDK client a full node would get.
 */
import { ChannelCredentials } from '@grpc/grpc-js';
import { SuiGrpcClient } from '@mysten/sui/grpc';
import { GrpcTransport } from '@protobuf-ts/grpc-transport';

export function simClient(rpcUrl: string): SuiGrpcClient {
  const url = new URL(rpcUrl);
  if (url.protocol !== 'http:') throw new Error(`sui-sim serves plaintext gRPC: expected an http:// URL, got ${rpcUrl}`);
  const transport = new GrpcTransport({ host: url.host, channelCredentials: ChannelCredentials.createInsecure() });
  return new SuiGrpcClient({ network: 'localnet', transport });
}
