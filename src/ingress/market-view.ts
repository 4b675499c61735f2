import type { FeedSection } from '../config/index.ts';
import { type Bar, barAt, simSeriesCache } from '../market/index.ts';
import type { MarketView } from './deps.ts';

/** Candles of the sim feed (deterministic from its seed) up to the bar the session has reached. */
export function simMarketView(sim: FeedSection['sim'], cursor: () => number): MarketView {
  const seriesOf = simSeriesCache(sim);
  return {
    symbols: () => [...sim.symbols],
    bars(symbol, limit) {
      const series = seriesOf(symbol);
      if (!series) return null;
      const end = Math.min(series.length - 1, cursor());
      const bars: Bar[] = [];
      for (let index = Math.max(0, end - limit + 1); index <= end; index++) bars.push(barAt(series, index));
      return bars;
    },
  };
}
