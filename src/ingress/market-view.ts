import type { FeedSection } from '../config/index.ts';
import { type Bar, barAt, generateSimSeries, type SimSeries } from '../market/index.ts';
import type { MarketView } from './deps.ts';

/** Candles of the sim feed (deterministic from its seed) up to the bar the session has reached. */
export function simMarketView(sim: FeedSection['sim'], cursor: () => number): MarketView {
  const cache = new Map<string, SimSeries>();
  const seriesOf = (symbol: string) => {
    let series = cache.get(symbol);
    if (!series) {
      series = generateSimSeries(
        { seed: sim.seed, symbols: sim.symbols, bars: sim.bars, start: sim.start },
        symbol,
      );
      cache.set(symbol, series);
    }
    return series;
  };
  return {
    symbols: () => [...sim.symbols],
    bars(symbol, limit) {
      if (!sim.symbols.includes(symbol)) return null;
      const series = seriesOf(symbol);
      const end = Math.min(series.length - 1, cursor());
      const bars: Bar[] = [];
      for (let index = Math.max(0, end - limit + 1); index <= end; index++) bars.push(barAt(series, index));
      return bars;
    },
  };
}
