import { roundToTick, safeRounding } from '../../../market/index.ts';

/**
 * Prices sent to the EA on the symbol's grid. MT5 refuses a price that is not a multiple of the
 * symbol's tick (TRADE_RETCODE_INVALID_PRICE 10015) and stops off the grid
 * (TRADE_RETCODE_INVALID_STOPS 10016): https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes
 * The grid is 10^-digits (SYMBOL_DIGITS, posted with the EA's contract); a symbol whose digits
 * were never reported keeps the venue's default grid of 5 decimals.
 *
 * Every price rounds the way that never widens the risk the Risk Gate accepted:
 * - the stop-loss rounds toward the entry (up under a long, down over a short);
 * - the take-profit rounds toward the entry too, so the reward is never overstated;
 * - a limit or stop entry price rounds toward its stop (down for a buy, up for a sell): the
 *   distance to the stop, the risk, can only shrink.
 */
export const defaultDigits = 5;

/** The grid: the tick size when reported (an index CFD may move in 0.25s), else the point. */
export function mt5Tick(digits: number | null | undefined, tickSize?: number | null): number {
  // 10 significant digits: a tick sent as 0.000009999999999 is the 0.00001 it means.
  if (tickSize !== null && tickSize !== undefined && tickSize > 0) return Number(tickSize.toPrecision(10));
  return Number((10 ** -(digits ?? defaultDigits)).toFixed(digits ?? defaultDigits));
}

export type Mt5PriceRole = 'entry' | 'stop_loss' | 'take_profit';

/** `side` is the position's side (buy: long). A zero price (no SL/TP) stays zero. */
export function onMt5Grid(
  price: number,
  role: Mt5PriceRole,
  side: 'buy' | 'sell',
  digits: number | null | undefined,
  tickSize?: number | null,
): number {
  if (!(price > 0)) return 0;
  // The entry is judged against its stop as the pipeline judges it (market's safeRounding).
  const mode = safeRounding(side, role === 'entry' ? 'entry' : role === 'stop_loss' ? 'stop' : 'target');
  return roundToTick(price, mt5Tick(digits, tickSize), mode);
}
