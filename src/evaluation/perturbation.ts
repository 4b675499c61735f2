import { type BarSeries, createRandom } from '../market/index.ts';

/** Dates move by whole weeks (weekdays, and so the trading calendar's shape, stay), about 20 years. */
export const defaultShiftWeeks = 1_043;
const dayMs = 86_400_000;

/** (a) The same bars under another name and other dates. */
export interface IdentityPerturbed {
  series: BarSeries[];
  /** Real symbol → anonymous one (ANON1, ANON2, ...). */
  symbols: Record<string, string>;
  shiftDays: number;
}

/**
 * Identity perturbation: the same bars with anonymous tickers and dates moved by `weeks` whole
 * weeks. Nothing a decision should depend on changes, so an honest decider decides the same.
 */
export function identityPerturbation(
  series: readonly BarSeries[],
  weeks = defaultShiftWeeks,
): IdentityPerturbed {
  const shiftMs = weeks * 7 * dayMs;
  const symbols: Record<string, string> = {};
  const moved = series.map((each, index) => {
    const anonymous = `ANON${index + 1}`;
    symbols[each.symbol] = anonymous;
    const time = new Float64Array(each.length);
    for (let at = 0; at < each.length; at += 1) time[at] = each.time[at]! + shiftMs;
    return { ...each, symbol: anonymous, time };
  });
  return { series: moved, symbols, shiftDays: weeks * 7 };
}

/** (b) Other bars under the real name and the real dates. */
export interface DataPerturbed {
  series: BarSeries[];
  method: 'log-mirror';
  seed: number;
  /** Per symbol: the first close the series is mirrored around, and the seeded level factor. */
  anchors: Record<string, { firstClose: number; level: number }>;
}

/** The level factor is log-uniform in [1/levelRange, levelRange]. */
const levelRange = 1.25;

/**
 * Data perturbation: every price p of a symbol becomes level × c0² / p, c0 its first close — the
 * series mirrored in log space around its first bar, so every rise becomes a fall of the same
 * percentage (and high and low swap). Every moving-average cross, breakout and trend reverses,
 * so a trend follower reading the bars changes its mind; the real ticker and dates stay, so a
 * decider that kept its decision was not reading the bars. `level` (seeded, per symbol) moves
 * the whole mirrored series by a constant factor, so neither its path nor its price level is the
 * real one; it changes no ratio. Prices keep the source's decimals (up to 6); volume is kept.
 */
export function dataPerturbation(series: readonly BarSeries[], seed: number): DataPerturbed {
  const random = createRandom(seed);
  const anchors: DataPerturbed['anchors'] = {};
  const mirrored = series.map((each): BarSeries => {
    const firstClose = each.close[0] ?? 0;
    const level = Math.round(levelRange ** (2 * random() - 1) * 10_000) / 10_000;
    anchors[each.symbol] = { firstClose, level };
    if (!(firstClose > 0)) return each;
    const digits = decimalsOf(each);
    const scale = 10 ** digits;
    const flip = (price: number) =>
      price > 0
        ? Math.max(1 / scale, Math.round(((level * firstClose ** 2) / price) * scale) / scale)
        : price;
    const map = (values: Float64Array) => Float64Array.from(values, flip);
    return {
      ...each,
      open: map(each.open),
      // The mirror of the lowest price is the highest.
      high: map(each.low),
      low: map(each.high),
      close: map(each.close),
    };
  });
  return { series: mirrored, method: 'log-mirror', seed, anchors };
}

/** The most decimals a close of the series is written with (floating noise ignored), at most 6. */
function decimalsOf(series: BarSeries): number {
  let digits = 0;
  const count = Math.min(series.length, 500);
  for (let at = 0; at < count; at += 1) {
    const close = series.close[at]!;
    while (digits < 6 && Math.abs(close * 10 ** digits - Math.round(close * 10 ** digits)) > 1e-6)
      digits += 1;
  }
  return digits;
}
