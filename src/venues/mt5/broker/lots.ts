/** A symbol's contract as the EA reports it (SYMBOL_TRADE_CONTRACT_SIZE, SYMBOL_VOLUME_*). */
export interface SymbolSpec {
  contractSize: number;
  volumeMin: number;
  volumeStep: number;
  volumeMax: number | null;
  /** SYMBOL_DIGITS: the price grid (null: not reported; see price-grid.ts). */
  digits?: number | null;
  /** SYMBOL_TRADE_TICK_SIZE when the EA reports it: the grid when coarser than the point. */
  tickSize?: number | null;
}

/**
 * Units of the instrument → MT5 lots, rounded down to the volume step: the risk budget is a
 * ceiling, so a size is never rounded up. Below the minimum or above the maximum volume the
 * order is refused rather than resized, and the reason says which.
 */
export function lotsFor(units: number, spec: SymbolSpec): { lots: number } | { refusal: string } {
  if (!(units > 0)) return { refusal: `quantity ${units} is not positive` };
  const steps = Math.floor(units / spec.contractSize / spec.volumeStep + 1e-9);
  const decimals = Math.max(0, Math.ceil(-Math.log10(spec.volumeStep) - 1e-9));
  const lots = Number((steps * spec.volumeStep).toFixed(decimals));
  if (lots < spec.volumeMin)
    return {
      refusal: `${units} units are ${(units / spec.contractSize).toPrecision(3)} lots, below the minimum volume ${spec.volumeMin}`,
    };
  if (spec.volumeMax !== null && lots > spec.volumeMax)
    return { refusal: `${lots} lots exceed the maximum volume ${spec.volumeMax}` };
  return { lots };
}

/** MT5 lots → units of the instrument. */
export function unitsFor(lots: number, contractSize: number): number {
  return lots * contractSize;
}
