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
  const bases = members.map((series) => series.close[series.length - length]!);
  for (let at = 0; at < length; at += 1) {
    let open = 0;
    let high = 0;
    let low = 0;
    let close = 0;
    let volume = 0;
    members.forEach((series, member) => {
      const row = series.length - length + at;
      const scale = 100 / bases[member]!;
      open += series.open[row]! * scale;
      high += series.high[row]! * scale;
      low += series.low[row]! * scale;
      close += series.close[row]! * scale;
      volume += series.volume[row]!;
    });
    const count = members.length;
    index.time[at] = members[0]!.time[members[0]!.length - length + at]!;
    index.open[at] = open / count;
    index.high[at] = high / count;
    index.low[at] = low / count;
    index.close[at] = close / count;
    index.volume[at] = volume;
  }
  index.length = length;
  return index;
}
