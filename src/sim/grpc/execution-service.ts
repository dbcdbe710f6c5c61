/**
 * `sui.rpc.v2.TransactionExecutionService`: SimulateTransaction (server-side resolution, gas
 * selection, dry run) and ExecuteTransaction (signature checks, execution, commit).
 */
import { GrpcTypes } from '@mysten/sui/grpc';
import { REFERENCE_GAS_PRICE } from '../gas.ts';
import type { SimNode } from '../node.ts';
import { asRpcError, invalidArgument } from './errors.ts';
import { applyMask, maskSelects } from './mask.ts';

const EXECUTE_DEFAULTS = ['effects.status', 'checkpoint'];
const SIMULATE_DEFAULTS = ['transaction.digest', 'transaction.effects.status'];

export function executionService(node: SimNode) {
  return {
    async executeTransaction(request: GrpcTypes.ExecuteTransactionRequest): Promise<GrpcTypes.ExecuteTransactionResponse> {
      const bytes = request.transaction?.bcs?.value;
      if (!bytes?.length) throw invalidArgument('transaction.bcs is required');
      const signatures = request.signatures.map((s) => {
        if (!s.bcs?.value?.length) throw invalidArgument('signatures must be given as bcs');
        return s.bcs.value;
      });
      try {
        const executed = await node.execute(bytes, signatures);
        return { transaction: applyMask(GrpcTypes.ExecutedTransaction, executed, request.readMask?.paths, EXECUTE_DEFAULTS) };
      } catch (error) {
        throw asRpcError(error);
      }
    },

    simulateTransaction(request: GrpcTypes.SimulateTransactionRequest): GrpcTypes.SimulateTransactionResponse {
      let result;
      try {
        result = node.simulate(request);
      } catch (error) {
        throw asRpcError(error);
      }
      const paths = request.readMask?.paths;
      const response: GrpcTypes.SimulateTransactionResponse = {
        transaction: result.transaction,
        commandOutputs: maskSelects(paths, SIMULATE_DEFAULTS, 'command_outputs')
          ? result.commandOutputs.map((values) => ({
              returnValues: values.map((value) => ({ value: { value } })),
              mutatedByRef: [],
            }))
          : [],
        suggestedGasPrice: REFERENCE_GAS_PRICE,
      };
      return applyMask(GrpcTypes.SimulateTransactionResponse, response, withAlways(paths), SIMULATE_DEFAULTS);
    },
  };
}

/** `command_outputs` and `suggested_gas_price` sit beside `transaction`; keep them when asked. */
function withAlways(paths: readonly string[] | undefined): string[] | undefined {
  if (!paths?.length) return undefined;
  return [...paths, 'suggested_gas_price'];
}
