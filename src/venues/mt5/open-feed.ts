import type { Config } from '../../config/index.ts';
import type { OpenFeedOptions, VenueFeed } from '../venue-adapter.ts';
import { createMt5Broker } from './broker/index.ts';
import { Mt5Feed } from './feed/index.ts';

/**
 * The bars the EA posted, of `broker.mt5.timeframe`, for the configured terminal (resolved on
 * each read: the EA may connect after we start). The database opens on first read, so a
 * backtest that fails earlier never connects.
 */
export function openMt5Feed(config: Config, options: OpenFeedOptions): VenueFeed {
  const section = config.broker.mt5;
  let opened: Promise<Mt5Feed> | undefined;
  const feed = () => {
    opened ??= options.store().then((store) => {
      const broker = createMt5Broker(config, store);
      return new Mt5Feed({
        db: store,
        terminalId: async () => (await broker.terminal()).terminalId,
        timeframe: section.timeframe,
        symbols: options.symbols ?? section.symbols,
        maxBarsPerSymbol: options.cycleHistory ? section.historyBars : undefined,
      });
    });
    return opened;
  };
  return {
    kind: 'mt5',
    load: async (range) => (await feed()).load(range),
    latest: async () => (await feed()).latest(),
  };
}
