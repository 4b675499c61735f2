import type { PriceTick } from '../../market/index.ts';
import { mt5Tick } from './broker/price-grid.ts';

/**
 * MT5 symbols carry their own grid (SYMBOL_DIGITS, and the tick size SignetBridge 1.2 posts with
 * each symbol's contract: 5 digits for most FX pairs, 3 for JPY pairs, 1-2 or 0.25 steps for index
 * CFDs). The feed learns each symbol's grid from the contract stored with its bars
 * (`learnMt5Grid`) before a cycle reads them, so the pipeline's proposal grid, the Risk Gate's
 * reward:risk and the monitor's moved stop are all on the symbol's own tick. A symbol whose
 * contract was never reported keeps the default of 5 decimals (no 5-digit quote loses a digit);
 * the broker rounds again on the grid it reads per order (broker/price-grid.ts).
 */
const grids = new Map<string, number>();

export function learnMt5Grid(symbol: string, digits: number | null, tickSize: number | null): void {
  if (digits === null && tickSize === null) return;
  grids.set(symbol, mt5Tick(digits, tickSize));
}

export const mt5PriceTick: PriceTick = (_price, symbol) =>
  (symbol === undefined ? undefined : grids.get(symbol)) ?? mt5Tick(null);
