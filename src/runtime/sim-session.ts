import path from 'node:path';
import { z } from 'zod';
import type { AgentRuntime, Quote } from '../agents/index.ts';
import { type BrokerEvent, type PaperBroker, reconcile } from '../broker/index.ts';
import type { Bus, Subscription } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import { type BarSeries, generateSimSeries } from '../market/index.ts';
import type { CycleReport, IntentRepair, MonitorReport } from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import { haltFileFor } from '../watchdog/index.ts';
import { applyPaperRequest, JournaledPaperBroker, loadPaperRequests } from './journaled-broker.ts';
import { serveOperatorExits } from './operator-exit.ts';
import { paperReconcileSource } from './paper-source.ts';
import { AccountBook, portfolioOf } from './portfolio.ts';
import type { BrokerRecorder } from './recorder.ts';
import { type BarContext, type BarProgress, newBarProgress, runBar } from './sim-bar.ts';
import { runtimeSql } from './sql.ts';
import {
  brokerRecorderFor,
  dailyBarCloseOffsetMs,
  paperBrokerFor,
  paperVenueSettings,
  type TradingKernel,
  tradingKernel,
} from './trading-kernel.ts';

export interface SessionStatus {
  bar: number;
  barTime: string;
  cycleId: string;
  equity: number;
  cash: number;
  positions: number;
  haltLevel: number | null;
  outcomes: CycleReport['candidates'];
  monitor: MonitorReport;
}

export interface SimSessionOptions {
  config: Config;
  store: Store;
  bus: Bus;
  logger: Logger;
  agents: AgentRuntime;
  /** Prefix of cycle ids and client order ids; default: the stored session's, or a new one. */
  runId?: string;
}

export interface ResumeReport {
  resumed: boolean;
  runId: string;
  /** The last bar already processed before this start. */
  cursor: number;
  replayedRequests: number;
  repairs: IntentRepair[];
  reconciled: number;
}

const sessionStateKey = 'sim.session';
const sessionStateSchema = z.object({
  runId: z.string(),
  seed: z.number(),
  symbols: z.array(z.string()),
  bars: z.number(),
  start: z.string(),
  cursor: z.number().int(),
});
type SessionState = z.infer<typeof sessionStateSchema>;

/** The paper broker in the brain has no account id of its own: there is one sim account. */
const simAccountId = 'sim';

/**
 * Paper trading on the synthetic market with an accelerated clock: each step reveals one more
 * bar of every symbol, lets the paper broker fill on it, runs the position monitor, then one
 * decision cycle on the bars seen so far. The same pipeline code runs on live data.
 *
 * The paper broker lives in memory, so everything that changes it is logged first
 * (`paper_requests`) and the bar position is stored before each bar: after a crash, `open`
 * rebuilds the broker exactly (the sim feed is deterministic), then reconciles our tables with
 * it and completes what the crash interrupted.
 */
export class SimSession {
  readonly broker: PaperBroker;
  readonly runId: string;
  readonly #journaled: JournaledPaperBroker;
  readonly #series: BarSeries[];
  readonly #recorder: BrokerRecorder;
  readonly #kernel: TradingKernel;
  readonly #options: SimSessionOptions;
  readonly #haltStore: { db: Store; haltFile: string };
  readonly #book: AccountBook;
  #cursor: number;
  #bar: BarProgress | undefined;
  #now = 0;
  #recording = true;

  private constructor(options: SimSessionOptions, runId: string) {
    const { config } = options;
    this.#options = options;
    this.runId = runId;
    const sim = config.feed.sim;
    this.#series = sim.symbols.map((symbol) =>
      generateSimSeries({ seed: sim.seed, symbols: sim.symbols, bars: sim.bars, start: sim.start }, symbol),
    );
    this.#cursor = sim.warmupBars - 1;
    this.#haltStore = { db: options.store, haltFile: haltFileFor(config.dataPath) };
    const journalRoot = path.resolve(config.paths.contextDir);
    const clock = { now: () => this.#now };
    this.broker = paperBrokerFor(config, clock, (event) => this.#onBrokerEvent(event));
    // The ledger's broker name is the paper fill model's own.
    const brokerName = this.broker.name;
    this.#recorder = brokerRecorderFor({ ...options, brokerName, clock, journalRoot });
    this.#journaled = new JournaledPaperBroker(this.broker, options.store, runId, () => this.#cursor);
    this.#book = new AccountBook(config.paper.cash);
    this.#kernel = tradingKernel({
      ...options,
      broker: this.#journaled,
      brokerName,
      clock,
      venue: paperVenueSettings(config),
      portfolio: async () => this.#portfolio(),
      freshQuote: async (symbol) => this.#quote(symbol),
      journalRoot,
      // A resumed run keeps its day's budget; another run's orders are not this one's slots.
      deskRecord: { key: `${brokerName}@${runId}`, cyclePrefix: `${runId}/` },
    });
  }

  /**
   * The operator's confirmed exits (`/forceexit`), sent through the journaled paper broker so a
   * resume replays them; the brain starts it once (its bus stops it).
   */
  serveOperatorExits(): Promise<Subscription> {
    return serveOperatorExits({
      ...this.#options,
      broker: this.#kernel.deps.broker,
      brokerName: this.#kernel.deps.brokerName,
      publish: this.#kernel.publish,
    });
  }

  /**
   * Starts a session: resumes the stored one when it is for the same market (same seed, symbols,
   * bars and start), else begins a new run after the warm-up bars.
   */
  static async open(options: SimSessionOptions): Promise<{ session: SimSession; resume: ResumeReport }> {
    const sim = options.config.feed.sim;
    const stored = await options.store.query<{ value: unknown }>(runtimeSql.readState(), [sessionStateKey]);
    const parsed = sessionStateSchema.safeParse(stored.rows[0]?.value);
    const same =
      parsed.success &&
      parsed.data.seed === sim.seed &&
      parsed.data.bars === sim.bars &&
      parsed.data.start === sim.start &&
      parsed.data.symbols.join() === sim.symbols.join() &&
      (options.runId === undefined || options.runId === parsed.data.runId) &&
      parsed.data.cursor < sim.bars - 1;
    const runId = same
      ? parsed.data.runId
      : (options.runId ?? `sim${sim.seed}-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}`);
    const session = new SimSession(options, runId);
    const target = same ? parsed.data.cursor : session.#cursor;
    const replayedRequests = await session.#rebuild(target);
    const report: ResumeReport = {
      resumed: same,
      runId,
      cursor: target,
      replayedRequests,
      repairs: [],
      reconciled: 0,
    };
    if (same) {
      const reconciled = await reconcile({
        store: options.store,
        source: paperReconcileSource(session.broker, () => session.#loggedIds),
        logger: options.logger,
      });
      report.reconciled = reconciled.repairs.length;
      report.repairs = await session.#kernel.completeInterruptedOrders();
      await options.bus.publish({
        fromAgent: 'brain',
        toAgent: 'operator',
        topic: topics.systemResumed,
        ts: new Date(session.#now),
        payload: {
          runId,
          cursor: target,
          replayedRequests,
          reconciled: report.reconciled,
          repairs: report.repairs.map((repair) => ({ ...repair })),
        },
      });
    } else {
      await session.#saveState();
    }
    return { session, resume: report };
  }

  #loggedIds: string[] = [];

  /** Replays bars 0..cursor and the logged requests of each bar into a fresh broker, silently. */
  async #rebuild(cursor: number): Promise<number> {
    const logged = await loadPaperRequests(this.#options.store, this.runId);
    this.#loggedIds = logged.flatMap((each) =>
      each.entry.kind === 'submit' ? [each.entry.request.clientOrderId] : [],
    );
    this.#recording = false;
    let next = 0;
    for (let index = 0; index <= cursor; index += 1) {
      this.#cursor = index;
      this.#now = this.#series[0]!.time[index]! + dailyBarCloseOffsetMs;
      this.#fillBar(index);
      while (next < logged.length && logged[next]!.barIndex === index) {
        applyPaperRequest(this.broker, logged[next]!.entry);
        next += 1;
      }
    }
    this.#recording = true;
    this.#book.markEquity(this.broker.equity());
    return next;
  }

  async #saveState(cursor = this.#cursor): Promise<void> {
    const sim = this.#options.config.feed.sim;
    const state: SessionState = {
      runId: this.runId,
      seed: sim.seed,
      symbols: sim.symbols,
      bars: sim.bars,
      start: sim.start,
      cursor,
    };
    await this.#options.store.query(runtimeSql.writeState(), [
      sessionStateKey,
      JSON.stringify(state),
      'brain',
    ]);
  }

  get symbols(): string[] {
    return this.#series.map((series) => series.symbol);
  }

  get cursor(): number {
    return this.#cursor;
  }

  get finished(): boolean {
    return this.#cursor >= (this.#series[0]?.length ?? 0) - 1;
  }

  /** Waits until every broker event so far is written (a clean stop calls it after the last step). */
  flush(): Promise<void> {
    return this.#recorder.flush();
  }

  #onBrokerEvent(event: BrokerEvent): void {
    if (!this.#recording) return;
    if (event.kind === 'trade-closed') this.#book.recordClosed(event.trade.symbol, event.trade.pnl);
    this.#recorder.record(event);
  }

  /** The paper broker fills on bar `index` of every symbol. */
  #fillBar(index: number): void {
    for (const series of this.#series) {
      this.broker.processBar(
        this.broker.book(series.symbol),
        series.time[index]!,
        series.open[index]!,
        series.high[index]!,
        series.low[index]!,
        series.close[index]!,
      );
    }
  }

  #lastClose(symbol: string): number | undefined {
    return this.#series.find((each) => each.symbol === symbol)?.close[this.#cursor];
  }

  #quote(symbol: string): Quote {
    const series = this.#series.find((each) => each.symbol === symbol);
    if (!series) throw new Error(`no quote for ${symbol}: not in the sim universe`);
    return { t: new Date(this.#now).toISOString(), last: series.close[this.#cursor]!, bid: null, ask: null };
  }

  #portfolio() {
    return portfolioOf(
      this.broker.positions(),
      { equity: this.broker.equity(), cash: this.broker.cash(), dayStartEquity: this.#book.dayStartEquity },
      (symbol) => this.#lastClose(symbol),
      this.#book.realisedToday,
    );
  }

  /**
   * One bar: fills, monitor, decision cycle, account snapshot. A bar cut by the database (a
   * throw) stays in progress: the next `step` finishes it from the phase that failed, after
   * `recoverBar` has made our tables match the broker, so no bar is skipped and none runs twice.
   */
  async step(): Promise<SessionStatus> {
    const bar = this.#bar ?? (await this.#beginBar());
    try {
      const status = await runBar(this.#barContext(), bar);
      this.#bar = undefined;
      return status;
    } catch (error) {
      bar.interrupted = true;
      throw error;
    }
  }

  /** True while a bar cut by a failure waits to be finished. */
  get barInProgress(): boolean {
    return this.#bar !== undefined;
  }

  /**
   * After a storage failure cut a bar: our tables are made to match the paper broker (broker
   * events the recorder could not write) and intents without a known submission are answered
   * from the broker, never resent, exactly as after a crash.
   */
  async recoverBar(): Promise<number> {
    if (!this.#bar?.interrupted) return 0;
    const logged = await loadPaperRequests(this.#options.store, this.runId);
    this.#loggedIds = logged.flatMap((each) =>
      each.entry.kind === 'submit' ? [each.entry.request.clientOrderId] : [],
    );
    const reconciled = await reconcile({
      store: this.#options.store,
      source: paperReconcileSource(this.broker, () => this.#loggedIds),
      logger: this.#options.logger,
    });
    const repairs = await this.#kernel.completeInterruptedOrders();
    return reconciled.repairs.length + repairs.length;
  }

  /** Gives up the bar in progress (a fault that is not the database's): the next step takes the next bar. */
  abandonBar(): void {
    this.#bar = undefined;
  }

  async #beginBar(): Promise<BarProgress> {
    if (this.finished) throw new Error('the sim feed has no more bars');
    const cursor = this.#cursor + 1;
    // Stored before the bar is acted on: after a crash this bar is rebuilt, never run twice.
    // A failure here changes nothing: the same bar is begun again.
    await this.#saveState(cursor);
    this.#cursor = cursor;
    this.#bar = newBarProgress(cursor);
    return this.#bar;
  }

  #barContext(): BarContext {
    return {
      store: this.#options.store,
      config: this.#options.config,
      runId: this.runId,
      series: this.#series,
      setNow: (now) => {
        this.#now = now;
      },
      now: () => this.#now,
      book: this.#book,
      broker: this.broker,
      journaled: this.#journaled,
      recorder: this.#recorder,
      kernel: this.#kernel,
      bus: this.#options.bus,
      haltStore: this.#haltStore,
      fillBar: (index) => this.#fillBar(index),
      accountId: simAccountId,
    };
  }
}
