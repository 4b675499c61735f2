import { SignetError } from '../../errors/index.ts';
import type { VenueAdapter } from '../venue-adapter.ts';
import { createMt5Broker } from './broker/index.ts';
import { mt5VenueConfig } from './config-section.ts';
import { mt5DoctorChecks } from './doctor.ts';
import { mt5Routes } from './mt5-routes.ts';
import { openMt5Feed } from './open-feed.ts';
import { mt5PriceTick } from './price-tick.ts';

/**
 * MetaTrader 5 through the SignetBridge EA: the EA polls the ingress (`/mt5/v1`) for commands
 * and posts bars, deals and positions; a cycle runs on each newly closed bar it posts, since FX
 * and CFD sessions follow the broker's hours, not an exchange calendar.
 */
export const mt5Venue: VenueAdapter = {
  kind: 'mt5',
  config: mt5VenueConfig,
  capabilities: {
    shorting: true,
    fractionalQuantities: true,
    stopsHeldOnPosition: true,
    nativeBrackets: true,
  },
  priceTick: mt5PriceTick,
  market: true,
  label: (config) => `MT5 ${config.broker.mt5.terminalId ?? '(the connected terminal)'}`,
  runIdPrefix: () => 'mt5',
  symbols: (config) => config.broker.mt5.symbols,
  timeframe: (config) => config.broker.mt5.timeframe,
  cycles: (config) => ({
    kind: 'new-bar',
    checkMs: config.broker.mt5.newBarCheckMs,
    graceMs: config.broker.mt5.newBarGraceMs,
  }),
  checkMarket(config) {
    const section = config.broker.mt5;
    if (!config.secrets.broker.mt5Token)
      throw new SignetError(`${section.tokenEnv} is not set: the EA could not reach the ingress`, {
        code: 'mt5_token_missing',
        fault: 'user',
        fix: `Export ${section.tokenEnv}=<a long random secret> and give the same value to SignetBridge's InpToken.`,
      });
  },
  async openBroker(config, options) {
    return {
      broker: createMt5Broker(config, options.store, { liveConfirmed: options.liveConfirmed }),
      // The EA's acks and positions reports keep the ledger in step as they arrive; the monitor
      // pass then reconciles the positions table with the last report.
      reconciledAtStart: 0,
      reconcile: async () => 0,
      stop: async () => {},
    };
  },
  openFeed: openMt5Feed,
  // The EA takes its commands from the database: the watchdog queues them on its own connection.
  watchdogBroker: (config, { store }) => createMt5Broker(config, store),
  doctorChecks: mt5DoctorChecks,
  describe(config, brain) {
    const mt5 = config.broker.mt5;
    const symbols = brain.symbols.length > 0 ? brain.symbols.join(', ') : 'every symbol the EA posts';
    return {
      market: `MT5 ${mt5.timeframe} bars from the EA (${symbols}); a cycle on each newly closed bar`,
      broker: `MT5 terminal ${mt5.terminalId ?? '(the one that connects)'} through SignetBridge.mq5 at ${brain.ingressUrl ? `${brain.ingressUrl}mt5/v1` : 'nothing: the ingress is not listening, the EA cannot connect'}`,
    };
  },
  ingressRoutes(config, deps) {
    // Mounted whenever the token is set, whatever broker.kind says: the EA may post bars for a
    // backtest while another venue trades.
    const token = config.secrets.broker.mt5Token;
    if (!token) return undefined;
    return {
      prefix: '/mt5/v1',
      register: (app) =>
        mt5Routes(app, {
          store: deps.store,
          token,
          logger: deps.logger,
          ...(deps.authFailures === undefined ? {} : { authFailures: deps.authFailures }),
          heartbeatIntervalMs: config.broker.mt5.heartbeatIntervalMs,
          pollIntervalS: config.broker.mt5.pollIntervalS,
        }),
    };
  },
};
