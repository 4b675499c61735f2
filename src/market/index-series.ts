import { emptySeries } from './bar.ts';
import type { BarSeries } from './feed.ts';

/**
 * A synthetic market index: the equal-weight average of the symbols' bars, each rebased to 100 at
 * the window's first bar. The sim market has no index of its own, so the Macro Officer reads this
 * one. Only the series whose newest bar is the newest time take part (aligned from the end), and
 * only the last `window` bars are built, so a cycle costs O(symbols × window) whatever the history.
 */
export function syntheticIndex(
  universe: readonly BarSeries[],
  options: { symbol: string; window: number },
): BarSeries | null {
  const withBars = universe.filter((series) => series.length > 0);
  if (withBars.length === 0) return null;
  const newest = Math.max(...withBars.map((series) => series.time[series.length - 1]!));
  const members = withBars.filter((series) => series.time[series.length - 1] === newest);
  const length = Math.min(options.window, ...members.map((series) => series.length));
  const index = emptySeries(options.symbol, length);
  const count = members.length;
  const first = members[0]!;
  const { time, open, high, low, close, volume } = index;
  time.set(first.time.subarray(first.length - length, first.length));
  // Member by member, each row's sums take the members in the same order as a row-by-row
  // loop would (the columns start at 0): the same doubles, without a closure call per row.
  for (const series of members) {
    const offset = series.length - length;
    const scale = 100 / series.close[offset]!;
    for (let at = 0; at < length; at += 1) {
      const row = offset + at;
      open[at] = open[at]! + series.open[row]! * scale;
      high[at] = high[at]! + series.high[row]! * scale;
      low[at] = low[at]! + series.low[row]! * scale;
      close[at] = close[at]! + series.close[row]! * scale;
      volume[at] = volume[at]! + series.volume[row]!;
    }
  }
  for (let at = 0; at < length; at += 1) {
    open[at] = open[at]! / count;
    high[at] = high[at]! / count;
    low[at] = low[at]! / count;
    close[at] = close[at]! / count;
  }
  index.length = length;
  return index;
}
