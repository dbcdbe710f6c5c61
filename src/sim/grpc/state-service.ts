/**
 * `sui.rpc.v2.StateService`: objects owned by an address (with type filter and page tokens, which is
 * also how the SDK lists coins), SUI balances and SUI's coin info. The sim has only SUI, no address
 * balances and no dynamic fields.
 */
import { GrpcTypes } from '@mysten/sui/grpc';
import { normalizeStructTag, normalizeSuiAddress, toHex, fromHex } from '@mysten/sui/utils';
import { suiBalanceOf, SUI_COIN_TYPE_NORMALIZED, SUI_TYPE } from '../codec.ts';
import type { Ledger } from '../ledger.ts';
import { invalidArgument, notFound } from './errors.ts';
import { applyMask } from './mask.ts';
import { renderObject } from './render.ts';

const OWNED_DEFAULTS = ['object_id', 'version', 'object_type'];
const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

/** A Move type from a request, normalized; a malformed one is the caller's error. */
function typeArg(type: string): string {
  try {
    return normalizeStructTag(type);
  } catch {
    throw invalidArgument(`invalid Move type: ${type}`);
  }
}

function pageSize(requested: number | undefined): number {
  return Math.min(requested || DEFAULT_PAGE, MAX_PAGE);
}

export function stateService(ledger: Ledger) {
  function suiBalance(owner: string): bigint {
    return ledger
      .ownedObjects(owner, SUI_COIN_TYPE_NORMALIZED)
      .reduce((sum, coin) => sum + suiBalanceOf(coin), 0n);
  }

  function balance(owner: string, coinType: string): GrpcTypes.Balance {
    const amount = coinType === SUI_TYPE ? suiBalance(owner) : 0n;
    return { coinType, balance: amount, coinBalance: amount, addressBalance: 0n };
  }

  const requireOwner = (owner: string | undefined) => {
    if (!owner) throw invalidArgument('owner is required');
    return normalizeSuiAddress(owner);
  };

  return {
    listOwnedObjects(request: GrpcTypes.ListOwnedObjectsRequest): GrpcTypes.ListOwnedObjectsResponse {
      const owner = requireOwner(request.owner);
      // The page token is the id of the last object returned: ids are listed in ascending order.
      const afterId = request.pageToken?.length ? normalizeSuiAddress(toHex(request.pageToken)) : undefined;
      const typeFilter = request.objectType ? typeArg(request.objectType) : undefined;
      const owned = ledger.ownedObjects(owner, typeFilter).filter((o) => !afterId || o.id > afterId);
      const size = pageSize(request.pageSize);
      const page = owned.slice(0, size);
      return {
        objects: page.map((o) => applyMask(GrpcTypes.Object, renderObject(o), request.readMask?.paths, OWNED_DEFAULTS)),
        nextPageToken: owned.length > size ? fromHex(page[page.length - 1]!.id) : undefined,
      };
    },

    getBalance(request: GrpcTypes.GetBalanceRequest): GrpcTypes.GetBalanceResponse {
      const owner = requireOwner(request.owner);
      if (!request.coinType) throw invalidArgument('coin_type is required');
      return { balance: balance(owner, typeArg(request.coinType)) };
    },

    listBalances(request: GrpcTypes.ListBalancesRequest): GrpcTypes.ListBalancesResponse {
      const owner = requireOwner(request.owner);
      const sui = balance(owner, SUI_TYPE);
      return { balances: sui.balance ? [sui] : [] };
    },

    getCoinInfo(request: GrpcTypes.GetCoinInfoRequest): GrpcTypes.GetCoinInfoResponse {
      const coinType = typeArg(request.coinType ?? '');
      if (coinType !== SUI_TYPE) throw notFound(`Coin type ${request.coinType} not found`);
      return {
        coinType,
        metadata: { decimals: 9, name: 'Sui', symbol: 'SUI', description: 'SUI of sui-sim (no value)', iconUrl: '' },
      };
    },

    listDynamicFields(): GrpcTypes.ListDynamicFieldsResponse {
      return { dynamicFields: [] };
    },
  };
}
