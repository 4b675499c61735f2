import path from 'node:path';
import type { AgentRuntime, Quote } from '../agents/index.ts';
import type { Bus, Subscription } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import type { MarketView } from '../ingress/index.ts';
import type { Logger } from '../logging/index.ts';
import { type Bar, type BarSeries, barAt } from '../market/index.ts';
import { runNightlyOptimizer } from '../optimizer/index.ts';
import {
  type CycleReport,
  exchangeDate,
  type IntentRepair,
  type MonitorReport,
  type PortfolioSnapshot,
  type ScheduledJob,
  screen,
} from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import { writeAccountSnapshot } from './account-snapshot.ts';
import { journalClosedTrades } from './exit-journal.ts';
import { serveOperatorExits } from './operator-exit.ts';
import { AccountBook, portfolioOf } from './portfolio.ts';
import { type TradingKernel, tradingKernel } from './trading-kernel.ts';
import { openVenue, type Venue } from './venue.ts';

export interface MarketSessionOptions {
  config: Config;
  store: Store;
  bus: Bus;
  logger: Logger;
  agents: AgentRuntime;
  /** `signet start --live` was given (required for live Alpaca). */
  liveConfirmed: boolean;
}

export interface MarketStatus {
  job: string;
  at: string;
  equity: number;
  cash: number;
  positions: number;
  haltLevel: number | null;
  outcomes: CycleReport['candidates'];
  monitor: MonitorReport | null;
}

/**
 * Trading on a real broker and live data (Alpaca, or MT5 through the EA bridge): the same
 * decision cycle and monitor as the sim session, driven by the scheduler (the exchange calendar,
 * or each newly closed bar) instead of an accelerated clock.
 */
export class MarketSession {
  readonly runId: string;
  readonly #options: MarketSessionOptions;
  readonly #venue: Venue;
  readonly #kernel: TradingKernel;
  readonly #journalRoot: string;
  #exitJournal: Subscription | undefined;
  #operatorExits: Subscription | undefined;
  #series: BarSeries[] = [];
  /** Starts at 0: the high-water mark is what this start has seen. */
  readonly #book = new AccountBook(0);
  /** Epoch ms of the newest bar a new-bar venue has cycled on. */
  #lastBarTime = 0;
  /** When a bar newer than #lastBarTime was first seen (new-bar venues wait for every symbol). */
  #newBarSeenAt: number | undefined;

  private constructor(options: MarketSessionOptions, venue: Venue, runId: string) {
    this.#options = options;
    this.#venue = venue;
    this.runId = runId;
    this.#journalRoot = path.resolve(options.config.paths.contextDir);
    this.#kernel = tradingKernel({
      ...options,
      broker: venue.broker,
      brokerName: venue.broker.name,
      clock: { now: () => Date.now() },
      // The broker charges its own commission; its fills carry it.
      venue: { timeframe: venue.timeframe, commissionRate: 0, priceTick: venue.priceTick },
      portfolio: async () => (await this.#account()).portfolio,
      freshQuote: (symbol) => this.#quote(symbol),
      journalRoot: this.#journalRoot,
      // One account, one desk: a restart the same day keeps the day's budget and its used slots.
      deskRecord: { key: venue.broker.name },
      ...(venue.macroFeed ? { macroBars: () => this.#macroBars() } : {}),
    });
  }

  /** The index and sector bars through the venue's feed (read once a day, when the Macro Officer is asked). */
  async #macroBars(): Promise<BarSeries[]> {
    const feed = this.#venue.macroFeed;
    if (!feed) return [];
    const days = this.#options.config.schedule.historyDays;
    const loaded = await feed.load({ from: Date.now() - days * 86_400_000 });
    return loaded.series.filter((series) => series.length > 0);
  }

  /** Connects to the broker (reconciling first), then completes orders a crash interrupted. */
  static async open(
    options: MarketSessionOptions,
  ): Promise<{ session: MarketSession; repairs: IntentRepair[]; reconciled: number }> {
    const { config, store, logger } = options;
    const venue = await openVenue(config, { logger, store, liveConfirmed: options.liveConfirmed });
    const runId = `${venue.runIdPrefix}-${new Date().toISOString().slice(0, 10)}`;
    const session = new MarketSession(options, venue, runId);
    // Charts have bars from the start; a venue not reachable yet (no EA connected) fills them later.
    await session
      .#refresh()
      .catch((error: unknown) =>
        logger.warn({ err: (error as Error).message }, 'no bars yet; the first cycle loads them'),
      );
    // Round trips closed at the venue get their exit entry, as the paper broker's do.
    session.#exitJournal = await journalClosedTrades({
      bus: options.bus,
      store,
      logger,
      root: session.#journalRoot,
      broker: venue.broker.name,
    });
    session.#operatorExits = await serveOperatorExits({
      ...options,
      broker: session.#kernel.deps.broker,
      brokerName: session.#kernel.deps.brokerName,
      publish: session.#kernel.publish,
    });
    const repairs = await session.#kernel.completeInterruptedOrders();
    return { session, repairs, reconciled: venue.reconciledAtStart };
  }

  get symbols(): string[] {
    return this.#venue.symbols;
  }

  /** The bars of the last refresh, for the console's charts (the venue's own bars). */
  marketView(): MarketView {
    return {
      symbols: () => this.#series.map((series) => series.symbol),
      bars: (symbol, limit) => {
        const series = this.#series.find((each) => each.symbol === symbol);
        if (!series) return null;
        const bars: Bar[] = [];
        for (let index = Math.max(0, series.length - limit); index < series.length; index++)
          bars.push(barAt(series, index));
        return bars;
      },
    };
  }

  /** Where this session trades, for the start-up line. */
  get venue(): string {
    return this.#venue.label;
  }

  async #refresh(): Promise<void> {
    const days = this.#options.config.schedule.historyDays;
    const loaded = await this.#venue.feed.load({ from: Date.now() - days * 86_400_000 });
    this.#series = loaded.series.filter((series) => series.length > 0);
  }

  async #quote(symbol: string): Promise<Quote> {
    const latest = (await this.#venue.feed.latest()).find((bar) => bar.symbol === symbol);
    if (!latest) throw new Error(`no latest bar for ${symbol}`);
    return { t: new Date(latest.time).toISOString(), last: latest.close, bid: null, ask: null };
  }

  #lastClose(symbol: string): number | undefined {
    const series = this.#series.find((each) => each.symbol === symbol);
    return series && series.length > 0 ? series.close[series.length - 1] : undefined;
  }

  /** The broker's account and positions, priced on the last bars; the day starts on the exchange's date. */
  async #account(): Promise<{ id: string | undefined; portfolio: PortfolioSnapshot }> {
    const broker = this.#venue.broker;
    const [account, positions] = await Promise.all([broker.account(), broker.positions()]);
    this.#book.startDay(account.equity, exchangeDate(Date.now(), this.#options.config.schedule.timezone));
    const figures = { equity: account.equity, cash: account.cash, dayStartEquity: this.#book.dayStartEquity };
    return {
      id: account.id,
      portfolio: portfolioOf(positions, figures, (symbol) => this.#lastClose(symbol)),
    };
  }

  async #snapshot(): Promise<{ equity: number; cash: number; positions: number }> {
    const { id, portfolio } = await this.#account();
    // Every real venue names its account; 'default' only keeps a broker without ids working.
    const key = { venue: this.#venue.broker.name, accountId: id ?? 'default' };
    const account = await writeAccountSnapshot(this.#options.store, key, this.#book, {
      equity: portfolio.equity,
      cash: portfolio.cash,
      positions: portfolio.positions.length,
      at: new Date(),
    });
    return { equity: account.equity, cash: account.cash, positions: account.positions };
  }

  /** Reconciles with the broker (the broker is the truth), then checks every position's stop. */
  async monitor(): Promise<MonitorReport> {
    await this.#venue.reconcile();
    return this.#kernel.monitor();
  }

  async cycle(at: Date): Promise<CycleReport> {
    await this.#refresh();
    const cycleId = `${this.runId}/${at.toISOString().slice(0, 16)}`;
    return this.#kernel.cycle(cycleId, this.#series);
  }

  /**
   * One cycle when a bar newer than the last one cycled on has closed (new-bar venues); the
   * cycle is named after the bar, so running it again after a restart reuses its order ids.
   * Each symbol's bars come from its own EA instance, a few seconds apart: the cycle waits until
   * every symbol has that bar, or `graceMs` after the first one showed it, so no symbol is
   * judged on the bar before. The first look only takes note of the newest bar: a start never
   * trades a bar it did not see close.
   */
  async cycleOnNewBar(now = Date.now()): Promise<CycleReport | undefined> {
    const latest = await this.#venue.feed.latest();
    const newest = Math.max(0, ...latest.map((bar) => bar.time));
    if (newest <= this.#lastBarTime) return undefined;
    if (this.#lastBarTime === 0) {
      this.#lastBarTime = newest;
      return undefined;
    }
    const cycles = this.#venue.cycles;
    const graceMs = cycles.kind === 'new-bar' ? cycles.graceMs : 0;
    const everyone = latest.every((bar) => bar.time >= newest);
    this.#newBarSeenAt ??= now;
    if (!everyone && now - this.#newBarSeenAt < graceMs) return undefined;
    this.#lastBarTime = newest;
    this.#newBarSeenAt = undefined;
    return this.cycle(new Date(newest));
  }

  /** The jobs `signet start` schedules in market mode. */
  jobs(onStatus: (status: MarketStatus) => void): ScheduledJob[] {
    const { config, bus } = this.#options;
    const tradingDaysOnly = config.schedule.tradingDaysOnly;
    const report = async (
      job: string,
      outcomes: CycleReport['candidates'],
      monitor: MonitorReport | null,
      haltLevel: number | null,
    ) => {
      const account = await this.#snapshot();
      onStatus({ job, at: new Date().toISOString(), ...account, haltLevel, outcomes, monitor });
    };
    const cycles = this.#venue.cycles;
    const cycleJob: ScheduledJob =
      cycles.kind === 'cron'
        ? {
            name: 'cycle',
            cron: cycles.cron,
            tradingDaysOnly,
            run: async (at) => {
              const result = await this.cycle(at);
              await report('cycle', result.candidates, null, result.haltLevel);
            },
          }
        : {
            name: 'cycle',
            cron: `every:${cycles.checkMs}`,
            // The venue's bars are its calendar: no bar closes while its market is shut.
            tradingDaysOnly: false,
            run: async () => {
              const result = await this.cycleOnNewBar();
              if (result) await report('cycle', result.candidates, null, result.haltLevel);
            },
          };
    const premarket: ScheduledJob[] =
      cycles.kind === 'cron'
        ? [
            {
              name: 'premarket',
              cron: config.schedule.premarketCron,
              tradingDaysOnly,
              run: async () => {
                await this.#refresh();
                await bus.publish({
                  fromAgent: 'screener',
                  toAgent: 'operator',
                  topic: topics.screenPremarket,
                  payload: { candidates: screen(this.#series, config.pipeline.topK) },
                });
              },
            },
          ]
        : [];
    return [
      ...premarket,
      cycleJob,
      {
        name: 'monitor',
        cron: `every:${config.schedule.monitorIntervalMs}`,
        tradingDaysOnly: false,
        run: async () => {
          const result = await this.monitor();
          if (result.actions.length + result.added.length + result.removed.length > 0)
            await report('monitor', [], result, null);
        },
      },
      {
        name: 'nightly',
        cron: config.schedule.nightlyCron,
        tradingDaysOnly: false,
        run: async (at) => {
          // The self-optimizer reports on the exchange day just ended; it changes nothing.
          await runNightlyOptimizer(this.#options, at);
        },
      },
    ];
  }

  async stop(): Promise<void> {
    await this.#exitJournal?.stop();
    await this.#operatorExits?.stop();
    await this.#venue.stop();
  }
}
