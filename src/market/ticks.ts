/**
 * Price ticks: the smallest price step a venue accepts, and the arithmetic done on prices that
 * are on a tick. Every reward:risk ratio is computed here, on the prices that are actually sent,
 * so the Strategist, the Risk Gate and the DoubleChecker can never disagree about a rounding.
 */

/**
 * The tick for an order price at this price level (a venue's tick may depend on the price) and,
 * where the venue's grid differs by instrument (MT5's SYMBOL_DIGITS / tick size), the symbol.
 */
export type PriceTick = (price: number, symbol?: string) => number;

/** The paper broker fills any price; its prices keep the 4 decimals Signet always sent. */
export const paperPriceTick: PriceTick = () => 0.0001;

export type TickRounding = 'nearest' | 'up' | 'down';

/**
 * Which way a bracket's price goes onto the tick so that rounding never widens the risk nor
 * flatters the reward (`side` is the entry's, buy = long): the entry rounds against the trader
 * (a buy's down, a sell's up), the stop toward the entry (the loss allowed can only shrink), the
 * target toward the entry (reward:risk is judged on the smaller reward).
 */
export function safeRounding(side: 'buy' | 'sell', role: 'entry' | 'stop' | 'target'): TickRounding {
  const long = side === 'buy';
  if (role === 'stop') return long ? 'up' : 'down';
  return long ? 'down' : 'up';
}

/**
 * A price on the tick grid. `up`/`down` round toward +∞/−∞; a price already on a tick (within
 * the binary representation error of price / tick) stays where it is in every mode. The tick
 * need not be a power of ten (an index CFD may move in 0.25s).
 */
export function roundToTick(price: number, tick: number, mode: TickRounding = 'nearest'): number {
  if (!(tick > 0)) throw new RangeError(`a price tick must be positive, not ${tick}`);
  const decimals = decimalsOf(tick);
  const steps = price / tick;
  const nearest = Math.round(steps);
  // 25.4263 / 0.0001 is 254262.99999999997 in binary: that is the tick 254263, not one below.
  const onTick = Math.abs(steps - nearest) < 1e-7;
  const whole = onTick || mode === 'nearest' ? nearest : mode === 'up' ? Math.ceil(steps) : Math.floor(steps);
  return Number((whole * tick).toFixed(decimals));
}

/** Decimals in the shortest text of a number (37.32 → 2; 1e-7 → 7). */
export function decimalsOf(value: number): number {
  const text = String(value);
  const exponent = /e-(\d+)$/.exec(text);
  if (exponent) {
    const mantissa = text.slice(0, text.indexOf('e'));
    const dot = mantissa.indexOf('.');
    return Number(exponent[1]) + (dot < 0 ? 0 : mantissa.length - dot - 1);
  }
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

export interface RewardRisk {
  /** |target − entry| and |entry − stop|, as the prices' own decimals make them (exact). */
  reward: number;
  risk: number;
  /** reward / risk; 0 when there is no risk. */
  ratio: number;
}

/**
 * Reward and risk of a bracket, computed on whole units of the prices' last decimal so that
 * 25.4263 − 23.71 is exactly 1.7163 and the ratio of two exact distances is rounded once.
 * No tolerance is needed or allowed: the ratio is the ratio of the prices sent.
 */
export function rewardToRisk(prices: { entry: number; stop: number; target: number }): RewardRisk {
  const decimals = Math.min(
    12,
    Math.max(decimalsOf(prices.entry), decimalsOf(prices.stop), decimalsOf(prices.target)),
  );
  const scale = 10 ** decimals;
  const units = (price: number) => Math.round(price * scale);
  const entry = units(prices.entry);
  const rewardUnits = Math.abs(units(prices.target) - entry);
  const riskUnits = Math.abs(entry - units(prices.stop));
  return {
    reward: rewardUnits / scale,
    risk: riskUnits / scale,
    ratio: riskUnits > 0 ? rewardUnits / riskUnits : 0,
  };
}

/**
 * A number as it was compared, for a reason text: the double itself, without the last
 * binary noise (12 significant digits), never rounded to fewer digits than it has.
 */
export function exact(value: number): string {
  return String(Number(value.toPrecision(12)));
}
