import { emptySeries } from './bar.ts';
import type { BarSeries } from './feed.ts';

/** The series an index is built of: those whose newest bar is the newest time, and the rows it spans. */
interface IndexMembers {
  members: readonly BarSeries[];
  /** Rows of the index: the window, or fewer when a member has fewer bars. */
  length: number;
}

function indexMembers(universe: readonly BarSeries[], window: number): IndexMembers | null {
  const withBars = universe.filter((series) => series.length > 0);
  if (withBars.length === 0) return null;
  const newest = Math.max(...withBars.map((series) => series.time[series.length - 1]!));
  const members = withBars.filter((series) => series.time[series.length - 1] === newest);
  return { members, length: Math.min(window, ...members.map((series) => series.length)) };
}

/**
 * One column of the index: each member's `column`, rebased to 100 at the window's first close,
 * summed member by member (each row's sum takes the members in the same order as a row-by-row
 * loop would, from 0: the same doubles, without a closure call per row), then averaged.
 */
function averagedColumn(
  { members, length }: IndexMembers,
  column: 'open' | 'high' | 'low' | 'close',
  into: Float64Array,
): void {
  for (const series of members) {
    const offset = series.length - length;
    const scale = 100 / series.close[offset]!;
    const values = series[column];
    for (let at = 0; at < length; at += 1) into[at] = into[at]! + values[offset + at]! * scale;
  }
  const count = members.length;
  for (let at = 0; at < length; at += 1) into[at] = into[at]! / count;
}

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
  const found = indexMembers(universe, options.window);
  if (!found) return null;
  const { members, length } = found;
  const index = emptySeries(options.symbol, length);
  const first = members[0]!;
  index.time.set(first.time.subarray(first.length - length, first.length));
  averagedColumn(found, 'open', index.open);
  averagedColumn(found, 'high', index.high);
  averagedColumn(found, 'low', index.low);
  averagedColumn(found, 'close', index.close);
  for (const series of members) {
    const offset = series.length - length;
    for (let at = 0; at < length; at += 1) index.volume[at] = index.volume[at]! + series.volume[offset + at]!;
  }
  index.length = length;
  return index;
}

/**
 * The synthetic index's closes alone (the same doubles as `syntheticIndex(…).close`) and the time
 * of its newest bar: what its averages and volatility are computed from. A daily-bar backtest
 * asks the Macro Officer once a bar, and building the whole index (six columns in a new buffer)
 * was ≈ 8 % of the full pipeline's main thread (docs/benchmarks.md, thirty-seventh pass).
 */
export function syntheticIndexCloses(
  universe: readonly BarSeries[],
  window: number,
): { close: Float64Array; newestTime: number } | null {
  const found = indexMembers(universe, window);
  if (!found) return null;
  const close = new Float64Array(found.length);
  averagedColumn(found, 'close', close);
  const first = found.members[0]!;
  return { close, newestTime: first.time[first.length - 1]! };
}
