import { type Broker, createMt5Broker, startAlpacaBroker } from '../broker/index.ts';
import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import {
  type Bar,
  createAlpacaFeed,
  type FeedRange,
  type FeedResult,
  Mt5Feed,
  type PriceTick,
  priceTickFor,
} from '../market/index.ts';
import type { Store } from '../store/index.ts';
import { journalReconciliation } from './reconcile-journal.ts';

/**
 * Where market mode trades: a broker, its bars, and what drives the decision cycles. Alpaca
 * cycles on the exchange calendar (cron); MT5 cycles on each newly closed bar its EA posts,
 * since FX and CFD sessions follow the broker's hours, not NYSE's.
 */
export interface Venue {
  /** e.g. "Alpaca paper" or "MT5 (EA bridge)". */
  readonly label: string;
  /** Prefix of run ids (and so of cycle and order ids). */
  readonly runIdPrefix: string;
  readonly broker: Broker;
  readonly feed: { load(range: FeedRange): Promise<FeedResult>; latest(): Promise<Bar[]> };
  /** The configured symbols; empty for MT5 means "every symbol the EA posts". */
  readonly symbols: string[];
  /** The bars' timeframe, as the venue names it. */
  readonly timeframe: string;
  /** The price grid orders are sent on (every reward:risk is computed on it). */
  readonly priceTick: PriceTick;
  readonly cycles: { kind: 'cron'; cron: string } | { kind: 'new-bar'; checkMs: number; graceMs: number };
  /** Table repairs reconciliation made at start. */
  readonly reconciledAtStart: number;
  /** Reconciles our tables with the broker (each monitor pass); the number of repairs. */
  reconcile(): Promise<number>;
  stop(): Promise<void>;
}

export interface VenueOptions {
  logger: Logger;
  store: Store;
  /** `signet start --live` was given (required for live Alpaca). */
  liveConfirmed: boolean;
}

export async function openVenue(config: Config, options: VenueOptions): Promise<Venue> {
  if (config.broker.kind === 'mt5') return openMt5Venue(config, options);
  if (config.broker.kind !== 'alpaca')
    throw new SignetError(`market mode needs a real broker, not ${config.broker.kind}`, {
      code: 'runtime_unsupported',
      fault: 'user',
      fix: 'Set broker.kind: alpaca or mt5 (or schedule.mode: sim for the paper broker).',
    });
  const section = config.broker.alpaca;
  if (section.symbols.length === 0)
    throw new SignetError('broker.alpaca.symbols is empty', {
      code: 'symbols_missing',
      fault: 'user',
      fix: 'List the symbols to trade under broker.alpaca.symbols, e.g. [AAPL, MSFT].',
    });
  const alpaca = await startAlpacaBroker(config, {
    ...options,
    onRepaired: journalReconciliation(config, options.store),
  });
  return {
    label: `Alpaca ${section.mode}`,
    runIdPrefix: section.mode,
    broker: alpaca.broker,
    feed: createAlpacaFeed(config, options.logger),
    symbols: section.symbols,
    timeframe: section.timeframe,
    priceTick: priceTickFor('alpaca'),
    cycles: { kind: 'cron', cron: config.schedule.cycleCron },
    reconciledAtStart: alpaca.reconciled.repairs.length,
    // Through the sync's queue: one at a time with the stream's own updates.
    reconcile: async () => (await alpaca.sync.reconcileNow()).repairs.length,
    stop: () => alpaca.stop(),
  };
}

function openMt5Venue(config: Config, options: VenueOptions): Venue {
  const section = config.broker.mt5;
  if (!config.secrets.broker.mt5Token)
    throw new SignetError(`${section.tokenEnv} is not set: the EA could not reach the ingress`, {
      code: 'mt5_token_missing',
      fault: 'user',
      fix: `Export ${section.tokenEnv}=<a long random secret> and give the same value to SignetBridge's InpToken.`,
    });
  const broker = createMt5Broker(config, options.store, { liveConfirmed: options.liveConfirmed });
  return {
    label: `MT5 ${section.terminalId ?? '(the connected terminal)'}`,
    runIdPrefix: 'mt5',
    broker,
    feed: new Mt5Feed({
      db: options.store,
      terminalId: async () => (await broker.terminal()).terminalId,
      timeframe: section.timeframe,
      symbols: section.symbols,
      maxBarsPerSymbol: section.historyBars,
    }),
    symbols: section.symbols,
    timeframe: section.timeframe,
    priceTick: priceTickFor('mt5'),
    cycles: { kind: 'new-bar', checkMs: section.newBarCheckMs, graceMs: section.newBarGraceMs },
    // The EA's acks and positions reports keep the ledger in step as they arrive; the monitor
    // pass then reconciles the positions table with the last report.
    reconciledAtStart: 0,
    reconcile: async () => 0,
    stop: async () => {},
  };
}
