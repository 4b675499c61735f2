import { SignetError, ValidationError } from '../../errors/index.ts';
import type { VenueAdapter } from '../venue-adapter.ts';
import { createAlpacaBroker, startAlpacaBroker } from './broker/index.ts';
import { alpacaVenueConfig } from './config-section.ts';
import { alpacaDoctorChecks } from './doctor.ts';
import { createAlpacaFeed, createAlpacaNewsFeed, createAlpacaNewsStream } from './feed/index.ts';
import { alpacaPriceTick } from './price-tick.ts';

/**
 * Alpaca: US equities over REST and the trade-updates stream, bars from its market-data API,
 * cycles on the exchange calendar (cron).
 */
export const alpacaVenue: VenueAdapter = {
  kind: 'alpaca',
  config: alpacaVenueConfig,
  capabilities: {
    shorting: true,
    // Alpaca takes fractional shares only on simple day orders, never on a bracket.
    fractionalQuantities: false,
    stopsHeldOnPosition: false,
    nativeBrackets: true,
  },
  priceTick: alpacaPriceTick,
  market: true,
  label: (config) => `Alpaca ${config.broker.alpaca.mode}`,
  runIdPrefix: (config) => config.broker.alpaca.mode,
  symbols: (config) => config.broker.alpaca.symbols,
  timeframe: (config) => config.broker.alpaca.timeframe,
  cycles: (config) => ({ kind: 'cron', cron: config.schedule.cycleCron }),
  checkMarket(config) {
    if (config.broker.alpaca.symbols.length === 0)
      throw new SignetError('broker.alpaca.symbols is empty', {
        code: 'symbols_missing',
        fault: 'user',
        fix: 'List the symbols to trade under broker.alpaca.symbols, e.g. [AAPL, MSFT].',
      });
  },
  async openBroker(config, options) {
    const alpaca = await startAlpacaBroker(config, options);
    return {
      broker: alpaca.broker,
      reconciledAtStart: alpaca.reconciled.repairs.length,
      // Through the sync's queue: one at a time with the stream's own updates.
      reconcile: async () => (await alpaca.sync.reconcileNow()).repairs.length,
      stop: () => alpaca.stop(),
    };
  },
  openFeed(config, options) {
    const symbols = options.symbols ?? config.broker.alpaca.symbols;
    if (symbols.length === 0)
      throw new ValidationError(
        'no symbols for the alpaca feed',
        [{ path: '--symbols', message: 'missing' }],
        {
          fix: 'Pass --symbols AAPL,MSFT (or list them under broker.alpaca.symbols).',
        },
      );
    return createAlpacaFeed(config, options.logger, symbols);
  },
  watchdogBroker: (config, { logger }) => createAlpacaBroker(config, { logger, liveConfirmed: true }),
  newsFeed: createAlpacaNewsFeed,
  newsStream: createAlpacaNewsStream,
  doctorChecks: alpacaDoctorChecks,
  describe: (config, brain) => ({
    market: `Alpaca ${config.broker.alpaca.timeframe} bars of ${brain.symbols.join(', ')}; cycles at "${config.schedule.cycleCron}" ${config.schedule.timezone}`,
    broker: `Alpaca ${config.broker.alpaca.mode}`,
  }),
};
