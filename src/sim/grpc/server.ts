/**
 * The gRPC server: every `sui.rpc.v2` service the SDK's `SuiGrpcClient` knows, built from the SDK's
 * own service definitions (`GrpcTypes`) with `@protobuf-ts/grpc-backend` on `@grpc/grpc-js`. Each
 * method is either implemented or answers UNIMPLEMENTED; every call is counted in the stats.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { GrpcTypes } from '@mysten/sui/grpc';
import { adaptService, createContext } from '@protobuf-ts/grpc-backend';
import { HEADERS } from '../../chain/consistency.ts';
import type { Ledger } from '../ledger.ts';
import type { SimNode } from '../node.ts';
import type { SimStats } from '../stats.ts';
import { unimplemented } from './errors.ts';
import { executionService } from './execution-service.ts';
import { ledgerService } from './ledger-service.ts';
import { packageService } from './package-service.ts';
import { signatureService } from './signature-service.ts';
import { stateService } from './state-service.ts';
import { subscriptionService } from './subscription-service.ts';

/** The service description objects the SDK exports (protobuf-ts `ServiceType`). */
type ServiceInfo = typeof GrpcTypes.LedgerService;
type Implementation = Record<string, (...args: never[]) => unknown>;

export interface GrpcServerHandle {
  port: number;
  stop(): Promise<void>;
}

export const SERVER_NAME = 'sui-sim/0.1 (development tool)';

/**
 * The response headers a Sui full node sends with every answer (crates/sui-rpc-api headers.rs):
 * its chain, the checkpoint height and epoch it has reached. Taken when the call starts, so the
 * answer reflects at least that checkpoint (clients refuse answers from behind what they have seen).
 */
export function nodeHeaders(ledger: Ledger): Record<string, string> {
  return {
    [HEADERS.chainId]: ledger.genesis.chainId,
    [HEADERS.chain]: 'sui-sim',
    [HEADERS.checkpointHeight]: ledger.checkpoint.toString(),
    [HEADERS.epoch]: ledger.epoch.epoch.toString(),
  };
}

/** Wraps an implementation so that every method exists (UNIMPLEMENTED otherwise) and is counted. */
function complete(service: ServiceInfo, impl: Implementation, stats: SimStats): Implementation {
  const out: Implementation = {};
  for (const method of service.methods) {
    const name = `${service.typeName}/${method.name}`;
    const fn = impl[method.localName];
    out[method.localName] = (...args: never[]) => {
      stats.countCall(name);
      if (!fn) throw unimplemented(name);
      return fn(...args);
    };
  }
  return out;
}

export async function startGrpcServer(node: SimNode, stats: SimStats, host: string, port: number): Promise<GrpcServerHandle> {
  const closing = new AbortController();
  const services: Array<[ServiceInfo, object]> = [
    [GrpcTypes.LedgerService, ledgerService(node.ledger, stats, SERVER_NAME)],
    [GrpcTypes.StateService, stateService(node.ledger)],
    [GrpcTypes.TransactionExecutionService, executionService(node)],
    [GrpcTypes.MovePackageService, packageService(node.ledger)],
    [GrpcTypes.SignatureVerificationService, signatureService()],
    [GrpcTypes.SubscriptionService, subscriptionService(node.ledger, closing.signal)],
    [GrpcTypes.NameService, {}],
    [GrpcTypes.ForkingService, {}],
  ];
  const server = new Server();
  for (const [info, impl] of services) {
    server.addService(
      ...adaptService(info, complete(info, impl as Implementation, stats), {
        contextFactory: (service, method, call) => {
          const context = createContext(service, method, call);
          context.sendResponseHeaders(nodeHeaders(node.ledger));
          return context;
        },
      }),
    );
  }
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, actual) => (error ? reject(error) : resolve(actual))),
  );
  return {
    port: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.tryShutdown(() => resolve());
        // Open subscription streams end on `closing`; force anything else after a grace period.
        setTimeout(() => server.forceShutdown(), 2_000).unref();
      }),
  };
}
