import type { BarSeries } from '../market/index.ts';

export type Regime = 'bull' | 'bear' | 'sideways' | 'unknown';
export const regimes: readonly Exclude<Regime, 'unknown'>[] = ['bull', 'bear', 'sideways'];

/** The trend filter: the 200-day simple moving average and its slope over 20 bars. */
export const regimeSmaBars = 200;
export const regimeSlopeBars = 20;

/**
 * Each timeline bar's market regime from the benchmark's whole history (bars before the window
 * count, so a short window still has its 200-day average): bull when the close is above a rising
 * 200-day SMA, bear when below a falling one, sideways otherwise; unknown before 220 bars of history
 * or where the benchmark has no bar at or before that time.
 */
export function regimeOf(history: BarSeries, timeline: ArrayLike<number>): Regime[] {
  const sma = new Float64Array(history.length).fill(Number.NaN);
  let sum = 0;
  for (let at = 0; at < history.length; at += 1) {
    sum += history.close[at]!;
    if (at >= regimeSmaBars) sum -= history.close[at - regimeSmaBars]!;
    if (at >= regimeSmaBars - 1) sma[at] = sum / regimeSmaBars;
  }
  const out: Regime[] = [];
  let cursor = -1;
  for (let step = 0; step < timeline.length; step += 1) {
    const time = timeline[step]!;
    while (cursor + 1 < history.length && history.time[cursor + 1]! <= time) cursor += 1;
    const before = cursor - regimeSlopeBars;
    if (cursor < 0 || before < 0 || Number.isNaN(sma[before]!)) {
      out.push('unknown');
      continue;
    }
    const average = sma[cursor]!;
    const rising = average > sma[before]!;
    const close = history.close[cursor]!;
    out.push(close > average && rising ? 'bull' : close < average && !rising ? 'bear' : 'sideways');
  }
  return out;
}
