import type { VenueFeeds } from '../../backtest/index.ts';
import { createMt5Broker } from '../../broker/index.ts';
import { ValidationError } from '../../errors/index.ts';
import { createAlpacaFeed, Mt5Feed } from '../../market/index.ts';
import type { CliContext } from '../context.ts';

/**
 * The venues' bars for `signet backtest --feed alpaca | mt5`, connected from signet.yaml: the
 * same feeds market mode trades on, so a backtest sees what a live cycle would have seen.
 */
export function venueFeeds(context: CliContext): VenueFeeds {
  return {
    alpaca: (symbols) => {
      const config = context.config();
      const chosen = symbols ?? config.broker.alpaca.symbols;
      if (chosen.length === 0)
        throw new ValidationError(
          'no symbols for the alpaca feed',
          [{ path: '--symbols', message: 'missing' }],
          {
            fix: 'Pass --symbols AAPL,MSFT (or list them under broker.alpaca.symbols).',
          },
        );
      return createAlpacaFeed(config, context.logger(), chosen);
    },
    mt5: (symbols) => ({
      kind: 'mt5',
      async load(range) {
        const config = context.config();
        const store = await context.store();
        const broker = createMt5Broker(config, store);
        return new Mt5Feed({
          db: store,
          terminalId: async () => (await broker.terminal()).terminalId,
          timeframe: config.broker.mt5.timeframe,
          symbols: symbols ?? config.broker.mt5.symbols,
        }).load(range);
      },
    }),
  };
}
