import type { Broker } from '../broker/index.ts';
import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Bar, FeedRange, FeedResult, PriceTick } from '../market/index.ts';
import type { Store } from '../store/index.ts';
import { type CycleDriver, marketVenueKinds, venueFor } from '../venues/index.ts';
import { journalReconciliation } from './reconcile-journal.ts';

/**
 * Where market mode trades: a broker, its bars, and what drives the decision cycles, all from
 * the venue `broker.kind` picks (src/venues/). Some venues cycle on the exchange calendar (cron),
 * others on each newly closed bar they post, since FX and CFD sessions follow the broker's hours.
 */
export interface Venue {
  /** e.g. "Alpaca paper" or "MT5 (EA bridge)". */
  readonly label: string;
  /** Prefix of run ids (and so of cycle and order ids). */
  readonly runIdPrefix: string;
  readonly broker: Broker;
  readonly feed: { load(range: FeedRange): Promise<FeedResult>; latest(): Promise<Bar[]> };
  /**
   * The Macro Officer's index and sector bars (config `macro.index`, `macro.sectors`), through the
   * same feed but apart from the traded symbols: never screened, never traded. Null when every
   * macro symbol is traded anyway.
   */
  readonly macroFeed: { readonly symbols: string[]; load(range: FeedRange): Promise<FeedResult> } | null;
  /** The configured symbols; empty may mean "every symbol the venue posts". */
  readonly symbols: string[];
  /** The bars' timeframe, as the venue names it. */
  readonly timeframe: string;
  /** The price grid orders are sent on (every reward:risk is computed on it). */
  readonly priceTick: PriceTick;
  readonly cycles: CycleDriver;
  /** Table repairs reconciliation made at start. */
  readonly reconciledAtStart: number;
  /** Reconciles our tables with the broker (each monitor pass); the number of repairs. */
  reconcile(): Promise<number>;
  stop(): Promise<void>;
}

export interface VenueOptions {
  logger: Logger;
  store: Store;
  /** `signet start --live` was given (required for a live account). */
  liveConfirmed: boolean;
}

export async function openVenue(config: Config, options: VenueOptions): Promise<Venue> {
  const venue = venueFor(config);
  if (!venue.market)
    throw new SignetError(`market mode needs a real broker, not ${venue.kind}`, {
      code: 'runtime_unsupported',
      fault: 'user',
      fix: `Set broker.kind: ${marketVenueKinds().join(' or ')} (or schedule.mode: sim for the ${venue.kind} broker).`,
    });
  venue.checkMarket(config);
  const opened = await venue.openBroker(config, {
    ...options,
    onRepaired: journalReconciliation(config, options.store),
  });
  const feedOptions = { logger: options.logger, store: async () => options.store, cycleHistory: true };
  const traded = new Set(venue.symbols(config));
  const macroSymbols = [...new Set([config.macro.index, ...config.macro.sectors])].filter(
    (symbol) => !traded.has(symbol),
  );
  const macroFeed =
    macroSymbols.length === 0 ? null : venue.openFeed(config, { ...feedOptions, symbols: macroSymbols });
  return {
    label: venue.label(config),
    runIdPrefix: venue.runIdPrefix(config),
    broker: opened.broker,
    feed: venue.openFeed(config, feedOptions),
    macroFeed: macroFeed && { symbols: macroSymbols, load: (range) => macroFeed.load(range) },
    symbols: venue.symbols(config),
    timeframe: venue.timeframe(config),
    priceTick: venue.priceTick,
    cycles: venue.cycles(config),
    reconciledAtStart: opened.reconciledAtStart,
    reconcile: () => opened.reconcile(),
    stop: () => opened.stop(),
  };
}
