import path from 'node:path';
import type { AgentRuntime, Quote } from '../agents/index.ts';
import type { Broker, BrokerEvent } from '../broker/index.ts';
import { PaperBroker } from '../broker/index.ts';
import type { Bus, MessageInput } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { writeJournalEntryFlushedBehind } from '../journal/index.ts';
import type { Logger } from '../logging/index.ts';
import { type BarSeries, type PriceTick, paperPriceTick } from '../market/index.ts';
import {
  type CycleDeps,
  type CycleReport,
  completeInterruptedOrders,
  deskRecordFor,
  haltAndPendingEntriesReader,
  type IntentRepair,
  type MonitorReport,
  type PortfolioSnapshot,
  runDecisionCycle,
  runMonitorPass,
} from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import { haltFileFor, haltLevelOrNull, haltRowRead, submissionHalt } from '../watchdog/index.ts';
import { cycleSettingsFrom, fallbackStrategyFrom } from './cycle-settings.ts';
import { exitJournalEntry } from './exit-journal.ts';
import { BrokerRecorder } from './recorder.ts';

/**
 * Daily bars are stamped at midnight UTC; the sim session and the full-pipeline backtest act as
 * if each bar closed at 21:00 UTC (after the NYSE close).
 */
export const dailyBarCloseOffsetMs = 21 * 3_600_000;

export type Publish = CycleDeps['publish'];
export type Journal = CycleDeps['journal'];

/** What the venue's bars and prices are: they shape the cycle's settings. */
export interface VenueSettings {
  timeframe: string;
  /** The commission rate the Risk Gate prices in (the paper fill model's; 0 where the broker charges). */
  commissionRate: number;
  priceTick: PriceTick;
}

/**
 * What differs between sim, market and backtest: the clock, the broker, and how the portfolio
 * and a fresh quote are read from the driver's feed. Everything else is the kernel's.
 */
export interface TradingKernelOptions {
  config: Config;
  store: Store;
  bus: Bus;
  logger: Logger;
  agents: AgentRuntime;
  broker: Broker;
  /** The name of the account's rows in orders, fills and positions. */
  brokerName: string;
  clock: { now(): number };
  venue: VenueSettings;
  portfolio(): Promise<PortfolioSnapshot>;
  freshQuote(symbol: string): Promise<Quote>;
  /** Where decision journal entries go (a backtest's own folder, else the context folder). */
  journalRoot: string;
  /** Default: the halt ladder (database and file); a backtest is not trading and passes its own. */
  haltLevel?(): Promise<number | null>;
  /**
   * Default: every publish its own commit (the bus's). The full-pipeline backtest passes its
   * cycle buffer (bus CycleBuffer): flushed before every transaction and at the end of a cycle.
   */
  publisher?: { publish: Publish; flush(): Promise<void> };
  /**
   * Default true: an order's intent is on the disk before the order leaves for the broker, and
   * so is its submission. A backtest passes false, as its store does for its transactions (store
   * relaxedCommits): its broker is in the process, a rerun rebuilds what it wrote, and its last
   * message commits synchronously.
   */
  waitForDisk?: boolean;
  /**
   * Default: each entry's row committed before the call returns, its file flushed behind
   * (journalWriter). A backtest passes its DeferredJournal's writer (files not fsynced, rows
   * inserted at its flush).
   */
  journal?: Journal;
  /**
   * The sessions' durable desk (see DeskRecord): `key` names the desk in its messages, and
   * `cyclePrefix` limits its orders to one run (the sim). Absent (backtests): the desk is memory only.
   */
  deskRecord?: { key: string; cyclePrefix?: string };
  /** The Macro Officer's index and sector bars, loaded apart from the traded ones (market mode). */
  macroBars?(): Promise<BarSeries[]>;
}

export interface TradingKernel {
  readonly deps: CycleDeps;
  readonly publish: Publish;
  readonly journal: Journal;
  /** One decision cycle on the bars the driver's feed has shown. */
  cycle(cycleId: string, series: BarSeries[]): Promise<CycleReport>;
  /** One position-monitor pass: our positions table made to match the broker, every stop checked. */
  monitor(): Promise<MonitorReport>;
  /** Completes the order intents a crash left without a known submission. */
  completeInterruptedOrders(): Promise<IntentRepair[]>;
}

/** The one bus publisher every part of a session shares. */
export function publisherOf(bus: Pick<Bus, 'publish'>): Publish {
  return (input, publishOptions) => bus.publish(input, publishOptions);
}

/**
 * The live and sim journal: each entry's row committed before the call returns, its file placed
 * and flushed behind (the row holds the markdown the start-up repair writes a lost file from).
 */
export function journalWriter(store: Store, journalRoot: string): Journal {
  const root = path.resolve(journalRoot);
  return async (entry, timing) => {
    await writeJournalEntryFlushedBehind(entry, { db: store, root, ...timing });
  };
}

/** The decision cycle's dependencies for any clock, feed and broker. */
export function cycleDepsFor(
  options: TradingKernelOptions,
  publish: Publish = publisherOf(options.bus),
  journal: Journal = options.journal ?? journalWriter(options.store, options.journalRoot),
): CycleDeps {
  const { config, store, publisher } = options;
  const haltStore = { db: store, haltFile: haltFileFor(config.dataPath) };
  const publishWithWrites: CycleDeps['publishWithWrites'] = (input, writes, publishOptions) =>
    options.bus.publishWithWrites(input, writes, { waitForDisk: options.waitForDisk, ...publishOptions });
  return {
    runtime: options.agents,
    publish,
    // Live and sim: ids before commits. A backtest's buffer answers its ids at once already.
    ...(publisher ? {} : { send: (input: MessageInput) => options.bus.send(input) }),
    // Held messages go first: an order intent's row never commits before the messages it answers.
    publishWithWrites: publisher
      ? async (input, writes, publishOptions) => {
          await publisher.flush();
          return publishWithWrites(input, writes, publishOptions);
        }
      : publishWithWrites,
    query: (text, values) => store.query(text, values),
    broker: options.broker,
    brokerName: options.brokerName,
    portfolio: options.portfolio,
    haltLevel: options.haltLevel ?? (() => haltLevelOrNull(haltStore)),
    // Where the halt is the ladder's: the Risk Gate's halt and pending entries in one statement,
    // and the halt at submission checked in the order intent's own statement.
    ...(options.haltLevel
      ? {}
      : {
          haltAtSubmission: submissionHalt(haltStore.haltFile),
          haltAndPendingEntries: haltAndPendingEntriesReader(
            store.query.bind(store),
            options.brokerName,
            haltRowRead(haltStore.haltFile),
          ),
        }),
    freshQuote: options.freshQuote,
    journal,
    clock: options.clock,
    settings: cycleSettingsFrom(config, options.venue),
    fallbackStrategy: fallbackStrategyFrom(config),
    ...(options.deskRecord
      ? { deskRecord: deskRecordFor(store, { ...options.deskRecord, brokerName: options.brokerName }) }
      : {}),
    ...(options.macroBars ? { macroBars: options.macroBars } : {}),
  };
}

/** The monitor pass every driver runs: a lost stop is put back, never left missing. */
export function monitorPassFor(
  config: Config,
  deps: {
    broker: Broker;
    brokerName: string;
    store: Store;
    publish: Publish;
    logger: Logger;
    clock: { now(): number };
    /** For stop management: the venue's tick and a fresh quote (absent: stops are never moved). */
    venue?: Pick<VenueSettings, 'priceTick'>;
    freshQuote?(symbol: string): Promise<{ last: number }>;
  },
): () => Promise<MonitorReport> {
  const rule = config.monitor.stopManagement;
  const { venue, freshQuote } = deps;
  const stops =
    rule.mode !== 'off' && venue && freshQuote
      ? {
          rule,
          priceTick: venue.priceTick,
          lastPrice: async (symbol: string) => {
            try {
              return (await freshQuote(symbol)).last;
            } catch (error) {
              deps.logger.warn({ symbol, err: (error as Error).message }, 'no fresh quote: the stop stays');
              return undefined;
            }
          },
        }
      : undefined;
  return () =>
    runMonitorPass({
      broker: deps.broker,
      brokerName: deps.brokerName,
      db: deps.store,
      publish: deps.publish,
      logger: deps.logger,
      onMissingStop: 'reattach',
      // The original stop's distance is unknown here: half the widest the Risk Gate allows.
      defaultStopPct: config.risk.maxStopDistancePct / 2,
      clock: deps.clock,
      stops,
    });
}

export function tradingKernel(options: TradingKernelOptions): TradingKernel {
  const publish = options.publisher?.publish ?? publisherOf(options.bus);
  const journal = options.journal ?? journalWriter(options.store, options.journalRoot);
  const deps = cycleDepsFor(options, publish, journal);
  const monitor = monitorPassFor(options.config, { ...options, publish });
  return {
    deps,
    publish,
    journal,
    cycle: (cycleId, series) => runDecisionCycle(deps, cycleId, series),
    monitor,
    completeInterruptedOrders: () =>
      completeInterruptedOrders({
        db: options.store,
        bus: options.bus,
        publish,
        broker: options.broker,
        brokerName: options.brokerName,
        journal,
        clock: options.clock,
      }),
  };
}

/**
 * Where a broker's reports (fills, cancellations, rejections, closed round trips) are written
 * and published. The paper broker reports through it; each closed round trip is journaled as an
 * exit.
 */
export function brokerRecorderFor(options: {
  store: Store;
  bus: Pick<Bus, 'publish' | 'publishWithWrites'>;
  /** Whether a fill's statement waits for the disk (default true; a backtest's does not). */
  waitForDisk?: boolean;
  logger: Logger;
  brokerName: string;
  clock: { now(): number };
  journalRoot: string;
  /** Default: journalWriter (see TradingKernelOptions.journal). */
  journal?: Journal;
  /** Awaited before each broker event is written (see RecorderDeps.before). */
  before?(): Promise<void>;
}): BrokerRecorder {
  const journal = options.journal ?? journalWriter(options.store, options.journalRoot);
  const waitForDisk = options.waitForDisk ?? true;
  return new BrokerRecorder({
    store: options.store,
    publish: publisherOf(options.bus),
    publishWithWrites: (input, writes) => options.bus.publishWithWrites(input, writes, { waitForDisk }),
    brokerName: options.brokerName,
    logger: options.logger,
    clock: options.clock,
    onTradeClosed: (event) => journal(exitJournalEntry(event.trade, options.brokerName)),
    ...(options.before ? { before: options.before } : {}),
  });
}

/** The paper broker's bars are the configured timeframe's; it charges its own commission on its own tick. */
export function paperVenueSettings(config: Config): VenueSettings {
  return {
    timeframe: config.pipeline.timeframe,
    commissionRate: config.paper.commission,
    priceTick: paperPriceTick,
  };
}

/** The paper broker with signet.yaml's cash and fill model, on the driver's clock. */
export function paperBrokerFor(
  config: Config,
  clock: { now(): number },
  onEvent: (event: BrokerEvent) => void,
): PaperBroker {
  return new PaperBroker({
    cash: config.paper.cash,
    commission: config.paper.commission,
    slippage: config.paper.slippage,
    shorting: config.strategist.allowShort,
    shortMarginRequirement: config.paper.shortMarginRequirement,
    borrowFeeRate: config.paper.borrowFeeRate,
    clock,
    onEvent,
  });
}
