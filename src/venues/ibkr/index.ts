import { SignetError, ValidationError } from '../../errors/index.ts';
import type { VenueAdapter } from '../venue-adapter.ts';
import { startIbkrBroker, watchdogIbkrBroker } from './broker/live.ts';
import { ibkrVenueConfig } from './config-section.ts';
import { ibkrDoctorChecks } from './doctor.ts';
import { IbkrFeed } from './feed/ibkr-feed.ts';
import { ibkrPriceTick } from './price-tick.ts';

/**
 * Interactive Brokers through TWS / IB Gateway over the TWS API socket (`@stoqey/ib`): US stocks
 * on SMART, native bracket orders, historical bars for backtests and cycles, cycles on the
 * exchange calendar (cron) as for Alpaca.
 */
export const ibkrVenue: VenueAdapter = {
  kind: 'ibkr',
  config: ibkrVenueConfig,
  capabilities: {
    shorting: true,
    fractionalQuantities: false,
    stopsHeldOnPosition: false,
    nativeBrackets: true,
  },
  priceTick: ibkrPriceTick,
  market: true,
  label: (config) => `IBKR ${config.broker.ibkr.live ? 'live' : 'paper'}`,
  runIdPrefix: (config) => (config.broker.ibkr.live ? 'ibkr-live' : 'ibkr-paper'),
  symbols: (config) => config.broker.ibkr.symbols,
  timeframe: (config) => config.broker.ibkr.barSize,
  cycles: (config) => ({ kind: 'cron', cron: config.schedule.cycleCron }),
  checkMarket(config) {
    if (config.broker.ibkr.symbols.length === 0)
      throw new SignetError('broker.ibkr.symbols is empty', {
        code: 'symbols_missing',
        fault: 'user',
        fix: 'List the symbols to trade under broker.ibkr.symbols, e.g. [AAPL, MSFT].',
      });
  },
  async openBroker(config, options) {
    const ibkr = await startIbkrBroker(config.broker.ibkr, options);
    return {
      broker: ibkr.broker,
      reconciledAtStart: ibkr.reconciled.repairs.length,
      reconcile: async () => (await ibkr.sync.reconcileNow()).repairs.length,
      stop: () => ibkr.stop(),
    };
  },
  openFeed(config, options) {
    const symbols = options.symbols ?? config.broker.ibkr.symbols;
    if (symbols.length === 0)
      throw new ValidationError('no symbols for the ibkr feed', [{ path: '--symbols', message: 'missing' }], {
        fix: 'Pass --symbols AAPL,MSFT (or list them under broker.ibkr.symbols).',
      });
    return new IbkrFeed({ section: config.broker.ibkr, logger: options.logger, symbols });
  },
  watchdogBroker: (config, { logger, store }) => watchdogIbkrBroker(config, { logger, store }),
  doctorChecks: ibkrDoctorChecks,
  describe: (config, brain) => {
    const ibkr = config.broker.ibkr;
    return {
      market: `IB ${ibkr.barSize} bars of ${brain.symbols.join(', ')}; cycles at "${config.schedule.cycleCron}" ${config.schedule.timezone}`,
      broker: `IBKR ${ibkr.live ? 'live' : 'paper'} through the Gateway at ${ibkr.host}:${ibkr.port} (client id ${ibkr.clientId})`,
    };
  },
};
