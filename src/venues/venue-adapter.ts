import type { FastifyInstance } from 'fastify';
import type { Broker, ReconcileResult } from '../broker/index.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Bar, Feed, PriceTick } from '../market/index.ts';
import type { NewsFeed } from '../news/index.ts';
import type { Store } from '../store/index.ts';
import type { VenueKind } from './config-sections.ts';
import type { DoctorCheck } from './doctor-check.ts';
import type { VenueConfig } from './venue-config.ts';

/**
 * What a venue can do, so callers ask the venue instead of testing its kind (freqtrade's
 * `_ft_has`). Read by the Risk Gate's sizing and the monitor as they learn to use them.
 */
export interface VenueCapabilities {
  /** Opening a position by selling first; used only when strategist.allowShort is true. */
  readonly shorting: boolean;
  /** Quantities need not be whole units (Alpaca fractional shares, MT5 lot steps). */
  readonly fractionalQuantities: boolean;
  /** The stop is kept on the position itself (MT5's SL), not as a working stop order. */
  readonly stopsHeldOnPosition: boolean;
  /** The venue takes entry, stop and target as one bracket order. */
  readonly nativeBrackets: boolean;
}

/** What starts the decision cycles in market mode. */
export type CycleDriver =
  /** On the exchange calendar (`schedule.*Cron` in `schedule.timezone`). */
  | { kind: 'cron'; cron: string }
  /** On each newly closed bar the venue posts; waits `graceMs` for every symbol's bar. */
  | { kind: 'new-bar'; checkMs: number; graceMs: number };

/** A broker opened for trading, with the way its ledger is kept in step (the reconcile source). */
export interface OpenedBroker {
  readonly broker: Broker;
  /** Table repairs the start-up reconciliation made. */
  readonly reconciledAtStart: number;
  /** Reconciles our tables with the broker (each monitor pass); the number of repairs. */
  reconcile(): Promise<number>;
  stop(): Promise<void>;
}

export interface OpenBrokerOptions {
  logger: Logger;
  store: Store;
  /** `signet start --live` was given (a live account is refused without it). */
  liveConfirmed: boolean;
  /** Told after a reconciliation that repaired something (the runtime journals it). */
  onRepaired?: (result: ReconcileResult) => Promise<void>;
}

/** A feed that also answers "the newest bar of each symbol" (what a cycle needs). */
export interface VenueFeed extends Feed {
  latest(): Promise<Bar[]>;
}

export interface OpenFeedOptions {
  logger: Logger;
  /** The database, opened on first use (bars a venue posts are stored there). */
  store(): Promise<Store>;
  /** Other symbols than the configured ones (a backtest's --symbols, doctor's probe). */
  symbols?: string[];
  /** Load only the history a cycle needs, not every bar ever stored (market mode). */
  cycleHistory?: boolean;
}

/** How `signet start` describes the venue it trades: what it watches, and where it trades. */
export interface VenueDescription {
  market: string;
  broker: string;
}

/**
 * One venue: everything Signet knows about a broker and its market in one object. Nothing
 * outside src/venues/ tests a venue's kind; it asks the registry (`venueFor`) for the adapter.
 */
export interface VenueAdapter {
  readonly kind: VenueKind;
  /** Its `broker.<kind>` section, defaults and the environment variables of its secrets. */
  readonly config: VenueConfig;
  readonly capabilities: VenueCapabilities;
  /** The price grid orders are sent on (every reward:risk is computed on it). */
  readonly priceTick: PriceTick;
  /**
   * Trades in market mode. False: the venue lives inside the brain's sim session (the paper
   * broker), so `schedule.mode: market` refuses it and no watchdog connection exists.
   */
  readonly market: boolean;
  /** e.g. "Alpaca paper" or "MT5 (the connected terminal)". */
  label(config: Config): string;
  /** Prefix of run ids (and so of cycle and order ids) in market mode. */
  runIdPrefix(config: Config): string;
  /** The configured symbols; empty may mean "every symbol the venue posts". */
  symbols(config: Config): string[];
  /** The bars' timeframe, as the venue names it. */
  timeframe(config: Config): string;
  /** What drives cycles in market mode. */
  cycles(config: Config): CycleDriver;
  /**
   * Refuses a configuration market mode cannot trade (a missing token, no symbols), before
   * anything is connected, with the key or variable to set.
   */
  checkMarket(config: Config): void;
  /** The broker for trading, reconciled before anything is sent. */
  openBroker(config: Config, options: OpenBrokerOptions): Promise<OpenedBroker>;
  /** The venue's bars: market mode's cycles, `signet backtest --feed <kind>` and doctor read this one feed. */
  openFeed(config: Config, options: OpenFeedOptions): VenueFeed;
  /**
   * The watchdog's own broker, over its own database connection and credentials; undefined
   * when the broker lives in the brain. Flattening only reduces risk: no --live confirmation.
   */
  watchdogBroker(config: Config, options: { logger: Logger; store: Store }): Broker | undefined;
  /** The venue's headlines for the agents (`pipeline.news.source: <kind>`); undefined when it has none. */
  newsFeed?(config: Config, logger: Logger): NewsFeed;
  /**
   * The venue's real-time headlines (`pipeline.news.stream: true`): a local buffer the agents
   * read, the historical feed standing in for what it does not hold; undefined when it has none.
   */
  newsStream?(config: Config, logger: Logger): NewsFeed & { start(): Promise<void>; close(): void };
  /** `signet doctor`'s checks named `broker` and `feed` for this venue. */
  readonly doctorChecks: readonly DoctorCheck[];
  describe(config: Config, brain: { symbols: string[]; ingressUrl: string | null }): VenueDescription;
  /**
   * HTTP routes the venue needs on the brain's ingress (the MT5 EA's bridge), mounted under
   * `prefix`; undefined when none (or when their secret is not set).
   */
  ingressRoutes?(
    config: Config,
    deps: { store: Store; logger: Logger; authFailures?: AuthFailureCounter },
  ): { prefix: string; register(app: FastifyInstance): Promise<void> } | undefined;
}

/**
 * The ingress's failed-authentication counter, by credential kind and client address: consulted
 * only after a credential failed, so a valid one always passes.
 */
export interface AuthFailureCounter {
  blockedFor(kind: string, source: string): number;
  fail(kind: string, source: string): void;
}
