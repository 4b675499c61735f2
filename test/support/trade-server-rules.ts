/**
 * The MT5 trade server's checks on a request, with its retcodes, so the simulated EA refuses
 * what a real broker refuses (issue 20). Return codes:
 * https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes
 * Filling modes a symbol allows (SYMBOL_FILLING_MODE; CTrade's SetTypeFillingBySymbol picks one):
 * https://www.mql5.com/en/docs/constants/environment_state/marketinfoconstants#symbol_filling_mode
 */
export type FillingMode = 'FOK' | 'IOC' | 'RETURN';

export interface SymbolRules {
  digits: number;
  /** SYMBOL_TRADE_STOPS_LEVEL, in points: the closest an SL/TP may be to the current price. */
  stopsLevelPoints: number;
  filling: FillingMode[];
}

export interface Quote {
  bid: number;
  ask: number;
}

export interface Refusal {
  retcode: number;
  retcode_name: string;
}

const invalidPrice: Refusal = { retcode: 10015, retcode_name: 'TRADE_RETCODE_INVALID_PRICE' };
const invalidStops: Refusal = { retcode: 10016, retcode_name: 'TRADE_RETCODE_INVALID_STOPS' };
const invalidFill: Refusal = { retcode: 10030, retcode_name: 'TRADE_RETCODE_INVALID_FILL' };

function onTick(price: number, digits: number): boolean {
  const steps = price * 10 ** digits;
  return Math.abs(steps - Math.round(steps)) < 1e-6;
}

/**
 * Why the server refuses `command` (null: it accepts). `side` is the position's side (for a
 * modify, the ticket's); `filling` is the mode the EA asks for on an `open`.
 */
export function tradeServerRefusal(
  command: { action: string; price?: number; sl?: number; tp?: number; order_type?: string },
  side: 'buy' | 'sell' | undefined,
  quote: Quote | undefined,
  rules: SymbolRules,
  filling?: FillingMode,
): Refusal | null {
  if (command.action !== 'open' && command.action !== 'modify') return null;
  if (command.action === 'open' && filling !== undefined && !rules.filling.includes(filling))
    return invalidFill;
  const price = Number(command.price ?? 0);
  if (
    command.action === 'open' &&
    command.order_type !== 'market' &&
    price > 0 &&
    !onTick(price, rules.digits)
  )
    return invalidPrice;
  const sl = Number(command.sl ?? 0);
  const tp = Number(command.tp ?? 0);
  if ((sl > 0 && !onTick(sl, rules.digits)) || (tp > 0 && !onTick(tp, rules.digits))) return invalidStops;
  if (!side || !quote) return null;
  // A pending order's stops are measured from its own price, a position's from the price it
  // would close at (bid for a long, ask for a short).
  const reference =
    command.action === 'open' && command.order_type !== 'market' && price > 0
      ? price
      : side === 'buy'
        ? quote.bid
        : quote.ask;
  const level = rules.stopsLevelPoints * 10 ** -rules.digits;
  const long = side === 'buy';
  if (sl > 0 && (long ? sl > reference - level : sl < reference + level)) return invalidStops;
  if (tp > 0 && (long ? tp < reference + level : tp > reference - level)) return invalidStops;
  return null;
}
