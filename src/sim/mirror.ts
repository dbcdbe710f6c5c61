/**
 * The one place the sim touches its mirror of the `daas` Move package (src/sim/package): the entry
 * function table (numbered per module as a compiled module numbers its function definitions), the
 * few framework (0x2) functions the package's transactions call, and the modules' `init` functions
 * that run at publish time.
 */
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { MODULES, type ModuleName } from '../chain/schema.ts';
import type { EntryFunctionDescriptor, ExecContext, FrameworkFunctionDescriptor } from './package/api.ts';
import { FRAMEWORK_FUNCTIONS, PACKAGE_FUNCTIONS, genesisObjects, type GenesisObjects } from './package/index.ts';

export type AnyFunctionDescriptor = EntryFunctionDescriptor | FrameworkFunctionDescriptor;

export interface FunctionEntry {
  descriptor: AnyFunctionDescriptor;
  /** The package the function lives in: the daas package or 0x2. */
  packageId: string;
  /** Position among its module's functions (the `function` of a MoveLocation). */
  index: number;
}

export const PACKAGE_MODULES: readonly ModuleName[] = Object.values(MODULES);
export const FRAMEWORK_PACKAGE_ID = normalizeSuiAddress('0x2');

export function moduleFunctions(module: string): EntryFunctionDescriptor[] {
  return PACKAGE_FUNCTIONS.filter((f) => f.module === module);
}

/** The function `package::module::name`, if the sim runs it (`daasPackageId` is the published package). */
export function lookupFunction(daasPackageId: string, pkg: string, module: string, name: string): FunctionEntry | undefined {
  const packageId = normalizeSuiAddress(pkg);
  const candidates: AnyFunctionDescriptor[] =
    packageId === daasPackageId
      ? moduleFunctions(module)
      : packageId === FRAMEWORK_PACKAGE_ID
        ? FRAMEWORK_FUNCTIONS.filter((f) => f.module === module)
        : [];
  const index = candidates.findIndex((f) => f.name === name);
  return index < 0 ? undefined : { descriptor: candidates[index]!, packageId, index };
}

/** Runs the modules' `init` functions with `ctx.sender` as the publisher. */
export function runPackageInit(ctx: ExecContext): GenesisObjects {
  return genesisObjects(ctx);
}

export { PACKAGE_FUNCTIONS, FRAMEWORK_FUNCTIONS };
