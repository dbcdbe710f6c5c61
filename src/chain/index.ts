/** src/chain: the one place the product touches Sui. See docs/chain.md. */
export { ChainClient, createGrpcEndpoint, type CallHook, type CallResult, type ChainClientOptions } from './client.ts';
export { ChainTxError, ChainUnavailableError, isTransient, type ChainTxErrorKind } from './errors.ts';
export { decodeEvent, eventFilter, eventNameOf, eventType, type ChainEvent, type EventFields } from './events.ts';
export type { EventSubscription, FollowOptions } from './follower.ts';
export {
  BUILTIN_NETWORKS,
  NetworkConfigError,
  parseNetworkJson,
  resolveNetwork,
  type NetworkConfig,
  type NetworkOverrides,
  type ResolveNetworkOptions,
} from './network.ts';
export {
  decodeSealToken,
  decodeStakeRecord,
  isExpired,
  toJsonView,
  type SealTokenView,
  type StakeRecordView,
} from './objects.ts';
export { ChainReader, type ChainReaderOptions } from './reader.ts';
export { formatSui, parseSui } from './units.ts';
export { ChainWriter, type ChainWriterOptions, type SealTokenKind, type TxPhase } from './writer.ts';
