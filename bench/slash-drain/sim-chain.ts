/** The sui-sim driver of the slash-drain benchmark (filled in once src/sim serves the network). */
import type { ChainDriver } from './chain.ts';

export async function simChain(_options: { log(line: string): void }): Promise<ChainDriver> {
  throw new Error('--chain sim needs sui-sim (src/sim), which is not available yet; use --chain stub');
}
