/**
 * Prices as integers of a millionth (micro-units): window sums of integers are exact, so a
 * moving average has no drift however long the series, and equal averages compare equal.
 * Prices with more than six decimals (adjusted series) are compared at that precision.
 */
export const priceScale = 1_000_000;

export function toMicros(price: number): number {
  return Math.round(price * priceScale);
}

/** Throws when an integer computation would leave the range where doubles are exact. */
export function assertExact(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(
      `${what} (${value}) is beyond exact integer range: prices too large for this window`,
    );
  }
  return value;
}

/** Sum of micro-unit values over [end − length + 1, end], summed afresh (exact). */
export function windowSum(values: Float64Array, end: number, length: number): number {
  let sum = 0;
  for (let at = end - length + 1; at <= end; at += 1) sum += values[at]!;
  return sum;
}

/** Highest value in [start, end]. */
export function highest(values: Float64Array, start: number, end: number): number {
  let best = Number.NEGATIVE_INFINITY;
  for (let at = start; at <= end; at += 1) if (values[at]! > best) best = values[at]!;
  return best;
}

export function lowest(values: Float64Array, start: number, end: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let at = start; at <= end; at += 1) if (values[at]! < best) best = values[at]!;
  return best;
}

/**
 * A price rounded to the micro-unit, as a proposal's facts carry it: the number `price` prints
 * (a double prints as the shortest text that reads back as itself), without printing and
 * reading it back (issue 23: 59,000 such round trips in the 100-symbol backtest). `+ 0` turns
 * a rounded −0 into 0, as the text "0" read back would.
 */
export function roundPrice(value: number): number {
  return Math.round(value * 1e6) / 1e6 + 0;
}

/** Formats a price for a reason text. */
export function price(value: number): string {
  return String(roundPrice(value));
}
