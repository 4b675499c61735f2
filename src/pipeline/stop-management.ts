import type { StopManagement } from '../config/index.ts';
import { type PriceTick, rewardToRisk, roundToTick, safeRounding } from '../market/index.ts';

/** What the rule sees of one open position. */
export interface ManagedStop {
  side: 'long' | 'short';
  /** The position's average price. */
  entry: number;
  /** The first stop the position had (the one the Risk Gate accepted): R = |entry − initialStop|. */
  initialStop: number;
  /** The stop working now. */
  currentStop: number;
  /** The last price of the symbol. */
  price: number;
  priceTick: PriceTick;
  /** For a venue whose grid differs by symbol (MT5). */
  symbol?: string;
}

export type StopDecision =
  | { move: true; stopPrice: number; reason: string }
  | { move: false; reason: string };

/**
 * The monitor's stop management (config `monitor.stopManagement`, src/config/monitor-section.ts).
 * Once the price is `triggerR` × R in profit, the stop goes to the average price (`breakeven`) or
 * `trailR` × R behind the price (`trail`). The new stop is rounded on the venue's tick the way a
 * stop always is (market safeRounding: a long's up, a short's down, toward the price it protects),
 * and it moves only when it tightens: it can never end up further from the price than the stop
 * in force, so never beyond the risk the Risk Gate allowed. A stop that would sit at or through
 * the price (it would trigger at once) is not sent.
 */
export function nextStop(rule: StopManagement, input: ManagedStop): StopDecision {
  if (rule.mode === 'off') return { move: false, reason: 'stop management is off' };
  const long = input.side === 'long';
  const values = [input.entry, input.initialStop, input.currentStop, input.price];
  if (!values.every((value) => Number.isFinite(value) && value > 0))
    return { move: false, reason: 'entry, stops or price unknown: the stop stays' };
  const risk = long ? input.entry - input.initialStop : input.initialStop - input.entry;
  if (!(risk > 0)) return { move: false, reason: 'the initial stop is not on the losing side: R unknown' };
  const profit = long ? input.price - input.entry : input.entry - input.price;
  // In R, on the prices' own decimals (market rewardToRisk): 104.99 over 100 with a stop at 95.01 is 1 R.
  const inR =
    profit > 0 ? rewardToRisk({ entry: input.entry, stop: input.initialStop, target: input.price }).ratio : 0;
  if (inR < rule.triggerR)
    return { move: false, reason: `${inR.toFixed(2)} R in profit, under ${rule.triggerR} R (R ${risk})` };
  const wanted =
    rule.mode === 'breakeven'
      ? input.entry
      : long
        ? input.price - rule.trailR * risk
        : input.price + rule.trailR * risk;
  const stopPrice = roundToTick(
    wanted,
    input.priceTick(wanted, input.symbol),
    safeRounding(long ? 'buy' : 'sell', 'stop'),
  );
  if (long ? stopPrice >= input.price : stopPrice <= input.price)
    return { move: false, reason: `a stop at ${stopPrice} would be through the price ${input.price}` };
  const tightens = long ? stopPrice > input.currentStop : stopPrice < input.currentStop;
  if (!tightens)
    return { move: false, reason: `${stopPrice} would not tighten the stop at ${input.currentStop}` };
  return {
    move: true,
    stopPrice,
    reason: `${rule.mode}: price ${input.price} is ${inR.toFixed(2)} R in profit (R ${risk}); stop ${input.currentStop} → ${stopPrice}`,
  };
}
