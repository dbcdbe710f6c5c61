/**
 * `sui.rpc.v2.MovePackageService`: the daas package and its function signatures (and the one
 * framework function the sim implements). Datatype layouts are not served (GetDatatype is
 * UNIMPLEMENTED): the struct layouts live in src/chain/schema.ts.
 */
import type { GrpcTypes } from '@mysten/sui/grpc';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import type { Ledger } from '../ledger.ts';
import { lookupFunction } from '../mirror.ts';
import { invalidArgument, notFound, unimplemented } from './errors.ts';
import { renderFunction, renderPackage } from './render.ts';

export function packageService(ledger: Ledger) {
  const packageObject = (id: string | undefined) => {
    if (!id) throw invalidArgument('package_id is required');
    const object = ledger.getObject(id);
    if (!object || object.data.kind !== 'package') throw notFound(`Package ${normalizeSuiAddress(id)} not found`);
    return object;
  };

  return {
    getPackage(request: GrpcTypes.GetPackageRequest): GrpcTypes.GetPackageResponse {
      return { package: renderPackage(packageObject(request.packageId)) };
    },

    getFunction(request: GrpcTypes.GetFunctionRequest): GrpcTypes.GetFunctionResponse {
      if (!request.packageId || !request.moduleName || !request.name) {
        throw invalidArgument('package_id, module_name and name are required');
      }
      const entry = lookupFunction(ledger.genesis.packageId, request.packageId, request.moduleName, request.name);
      if (!entry) throw notFound(`Function ${request.packageId}::${request.moduleName}::${request.name} not found`);
      return { function: renderFunction(entry.descriptor, entry.packageId) };
    },

    getDatatype(): never {
      throw unimplemented('MovePackageService/GetDatatype');
    },

    listPackageVersions(request: GrpcTypes.ListPackageVersionsRequest): GrpcTypes.ListPackageVersionsResponse {
      const object = packageObject(request.packageId);
      return { versions: [{ packageId: object.id, version: object.version }] };
    },
  };
}
